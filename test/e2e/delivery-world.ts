// What a delivery test runs against, all real and on loopback: a DNS server serving a test zone, SMTP
// peers (the MX hosts, several 127.0.0.x addresses on one port), and a Petrel node whose MX lookups go
// to that DNS server and port, with its delivery worker on. Plus the waiting and sending helpers.
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { startDnsServer, type TestDnsServer, type Zone } from '../helpers/dns-server.js';
import { startTestNode, type TestNode } from '../helpers/node.js';
import {
  startPeersOnOnePort,
  type PeerOptions,
  type ReceivedMessage,
  type SmtpPeer,
} from '../helpers/smtp-peer.js';
import type { EventRow } from '../../src/store/repositories/events.js';

export const PASSWORD = 'Tr0ub4dor&3x-petrel-e2e';

/** Retries in a fraction of a second, so tests of the schedule run in seconds. */
export const FAST_RETRIES = {
  PETREL_RETRY_FIRST_DELAY_SECONDS: '0.2',
  PETREL_RETRY_MAX_DELAY_SECONDS: '0.5',
  PETREL_DELIVERY_POLL_SECONDS: '0.5',
};

export interface DeliveryWorld {
  node: TestNode;
  dns: TestDnsServer;
  /** Peers by their address. */
  peers: Map<string, SmtpPeer>;
  /** The peers' shared port (PETREL_MX_PORT). */
  mxPort: number;
  /** The node's STARTTLS/plain submission port. */
  smtpPort: number;
  peer(host: string): SmtpPeer;
  stop(): Promise<void>;
}

export interface WorldSetup {
  zone: Zone;
  peers: (PeerOptions & { host: string })[];
  env?: Record<string, string>;
}

/** The usual destination: far.test, whose MX mx.far.test is the peer on 127.0.0.3. */
export const FAR_TEST_ZONE: Zone = {
  'far.test': { MX: [{ preference: 10, exchange: 'mx.far.test' }] },
  'mx.far.test': { A: ['127.0.0.3'] },
};

/** A world of far.test alone, with a peer that takes everything (the setting of most parity tests). */
export function startFarTestWorld(env?: Record<string, string>): Promise<DeliveryWorld> {
  return startDeliveryWorld({ zone: FAR_TEST_ZONE, peers: [{ host: '127.0.0.3' }], ...(env ? { env } : {}) });
}

export async function startDeliveryWorld(setup: WorldSetup): Promise<DeliveryWorld> {
  const started = await startPeersOnOnePort(setup.peers);
  const peers = new Map(started.map((p) => [p.host, p]));
  const mxPort = started[0]?.port ?? 25;
  const dns = await startDnsServer(setup.zone);
  let node: TestNode;
  try {
    node = await startTestNode({
      PETREL_DNS_SERVERS: dns.server,
      PETREL_MX_PORT: String(mxPort),
      PETREL_DELIVERY_CONCURRENCY: '8',
      ...FAST_RETRIES,
      ...setup.env,
    });
  } catch (err) {
    await Promise.all([...started.map((p) => p.close()), dns.close()]);
    throw err;
  }
  return {
    node,
    dns,
    peers,
    mxPort,
    smtpPort: node.smtp.ports.smtp[0] as number,
    peer(host) {
      const peer = peers.get(host);
      assert.ok(peer, `no peer on ${host}`);
      return peer;
    },
    async stop() {
      await node.stop();
      await Promise.all([...started.map((p) => p.close()), dns.close()]);
    },
  };
}

/**
 * Waits for `probe` to return something other than undefined/false/null, checking every 25 ms. The
 * bound only keeps a broken feature from hanging the suite; nothing here measures time.
 */
export async function until<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  boundMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Creates an SMTP user through the real API with the given settings. */
export async function addSmtpUser(
  node: TestNode,
  username: string,
  settings: Record<string, unknown> = {},
): Promise<void> {
  const answer = await node.call('/users/smtp/add', { username, email_password: PASSWORD, ...settings });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
}

export interface Submission {
  user: string;
  from: string;
  to: string[];
  /** The message as the client hands it over (CRLF line ends). */
  raw: string;
}

/** Sends through Petrel's SMTP port with nodemailer (AUTH PLAIN on loopback); resolves to Petrel's id. */
export async function submit(port: number, mail: Submission): Promise<string> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    auth: { user: mail.user, pass: PASSWORD },
  });
  try {
    const info = await transport.sendMail({ envelope: { from: mail.from, to: mail.to }, raw: mail.raw });
    const match = /^250 2\.0\.0 OK id=(\S+)$/.exec(info.response);
    assert.ok(match, info.response);
    return match[1] as string;
  } finally {
    transport.close();
  }
}

/** A small text message. */
export function plainMessage(from: string, to: string, subject: string, text = 'Hello.'): string {
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    'Message-ID: <' + subject.replace(/\W/g, '') + '@shop.test>',
    '',
    text,
    '',
  ].join('\r\n');
}

/** The events of one message, oldest first. */
export function eventsOf(node: TestNode, emailId: string): Promise<EventRow[]> {
  return node.ops.repos.events.forEmail(node.masterAccountId, emailId);
}

/** Waits until the message has an event of that name for that recipient. */
export function eventFor(
  node: TestNode,
  emailId: string,
  event: string,
  recipient: string,
): Promise<EventRow> {
  return until(`event ${event} for ${recipient} of ${emailId}`, async () =>
    (await eventsOf(node, emailId)).find((e) => e.event === event && e.recipient === recipient),
  );
}

/** Waits until `peer` has received a message for `rcpt` (optionally: the n-th such message). */
export function receivedBy(peer: SmtpPeer, rcpt: string, nth = 1): Promise<ReceivedMessage> {
  return until(
    `${peer.host} to receive mail for ${rcpt}`,
    () => peer.messages.filter((m) => m.rcptTo.includes(rcpt))[nth - 1],
  );
}
