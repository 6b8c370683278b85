// Real SMTP clients for the SMTP tests: a scripted Python smtplib session (exact reply codes of every
// step), swaks, and helpers to create SMTP users through the real HTTP API.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import type { TestNode } from '../helpers/node.js';

const DIALOGUE_SCRIPT = fileURLToPath(new URL('./smtp_dialogue.py', import.meta.url));
/** Every client run is bounded: a hung session is killed rather than hanging the suite. */
const CLIENT_DEADLINE_MS = 180_000;

export type Step =
  | { do: 'ehlo' }
  | { do: 'starttls' }
  | { do: 'auth'; user: string; password: string; mechanism?: 'PLAIN' | 'LOGIN'; initial?: boolean }
  | { do: 'cmd'; line: string }
  | { do: 'data'; body?: string }
  | { do: 'stream'; size: number }
  | { do: 'quit' };

export interface Reply {
  code: number;
  text: string;
  /** Client clock (seconds since the epoch) when the reply had arrived. */
  at: number;
  /** Client clock when the step began, before its command was sent. */
  sent?: number;
}

export interface DialogueResult {
  steps: Reply[];
  /** EHLO keywords (lower case) of the last EHLO, with their parameters. */
  features: Record<string, string>;
  /** The certificate the server presented at STARTTLS (DER, hex), if any. */
  peer_cert: string | null;
}

export function run(
  command: string,
  args: string[],
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_DEADLINE_MS);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

interface WireReply extends Reply {
  features?: Record<string, string>;
  peer_cert?: string;
}

/** One live smtplib session, driven step by step: each step resolves with the server's reply. */
export class SmtpSession {
  readonly greeting: Promise<WireReply>;
  features: Record<string, string> = {};
  peerCert: string | null = null;
  readonly #child;
  readonly #waiting: ((reply: WireReply | null) => void)[] = [];
  readonly #ready: (WireReply | null)[] = [];
  #buffer = '';
  #stderr = '';

  constructor(port: number, options: { implicitTls?: boolean } = {}) {
    this.#child = spawn('python3', [DIALOGUE_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), CLIENT_DEADLINE_MS);
    this.#child.stdout.on('data', (d: Buffer) => {
      this.#buffer += d.toString();
      let newline;
      while ((newline = this.#buffer.indexOf('\n')) >= 0) {
        const text = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        this.#deliver(JSON.parse(text) as WireReply);
      }
    });
    this.#child.stderr.on('data', (d: Buffer) => (this.#stderr += d.toString()));
    this.#child.on('close', () => {
      clearTimeout(timer);
      this.#deliver(null);
    });
    this.#child.stdin.on('error', () => undefined);
    this.#child.stdin.write(
      JSON.stringify({ host: '127.0.0.1', port, implicit_tls: options.implicitTls ?? false }) + '\n',
    );
    this.greeting = this.#next();
  }

  #deliver(reply: WireReply | null): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(reply);
    else this.#ready.push(reply);
  }

  async #next(): Promise<WireReply> {
    const reply =
      this.#ready.length > 0
        ? this.#ready.shift()
        : await new Promise<WireReply | null>((r) => this.#waiting.push(r));
    assert.ok(reply, `the smtplib session ended early: ${this.#stderr}`);
    if (reply.features) this.features = reply.features;
    if (reply.peer_cert) this.peerCert = reply.peer_cert;
    return reply;
  }

  async step(step: Step): Promise<Reply> {
    await this.greeting;
    this.#child.stdin.write(JSON.stringify(step) + '\n');
    return this.#next();
  }

  /** Sends QUIT and waits for the client to exit. */
  async close(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((r) => this.#child.once('close', r));
    this.#child.stdin.end(JSON.stringify({ do: 'quit' }) + '\n');
    await exited;
  }
}

/** Runs one smtplib session through `steps` and returns every reply (only the greeting if refused). */
export async function dialogue(
  port: number,
  steps: Step[],
  options: { implicitTls?: boolean } = {},
): Promise<DialogueResult> {
  const session = new SmtpSession(port, options);
  const greeting = await session.greeting;
  const replies: Reply[] = [];
  if (greeting.code === 220) {
    for (const step of steps) replies.push(await session.step(step));
  } else {
    replies.push(greeting);
  }
  await session.close();
  return { steps: replies, features: session.features, peer_cert: session.peerCert };
}

/** "550 5.7.1 Sending is …": a reply as it appeared on the wire. */
export function line(reply: Reply | undefined): string {
  assert.ok(reply, 'no such reply');
  return `${reply.code} ${reply.text}`;
}

export const PASSWORD = 'Tr0ub4dor&3x-petrel';

/** Creates an SMTP user through the real API; extra fields go into the request as they are. */
export async function addUser(
  node: TestNode,
  username: string,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const answer = await node.call('/users/smtp/add', { username, email_password: PASSWORD, ...extra });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(answer.body.data.results[0].username, username);
}

export async function editUser(node: TestNode, username: string, fields: Record<string, unknown>) {
  const answer = await node.call('/users/smtp/edit', { username, ...fields });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
}

/** The steps of a plain logged-in transaction: EHLO, AUTH, MAIL, RCPT…, DATA. */
export function sendSteps(user: string, recipients: string[], password = PASSWORD): Step[] {
  return [
    { do: 'ehlo' },
    { do: 'auth', user, password },
    { do: 'cmd', line: 'MAIL FROM:<sender@example.com>' },
    ...recipients.map((r): Step => ({ do: 'cmd', line: `RCPT TO:<${r}>` })),
    { do: 'data' },
  ];
}

/** The message id from "250 2.0.0 OK id=<id>". */
export function acceptedId(reply: Reply | undefined): string {
  const match = /^250 2\.0\.0 OK id=(\S+)$/.exec(line(reply));
  assert.ok(match, `expected 250 2.0.0 OK id=…, got ${line(reply)}`);
  return match[1] as string;
}
