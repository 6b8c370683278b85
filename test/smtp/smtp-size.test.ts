// Message size and memory (SPEC §2.5): a 50 MiB message is streamed to the spool while the server's
// memory stays bounded, and over SIZE the answer is 552 5.3.4 with the session still usable after it.
// Memory is checked twice: what the server still holds (sampled after full collections), which shows
// the message is streamed on every runtime; and the peak resident size, which on Node 22+ also holds up
// to 64 MiB of dropped buffers that V8 has not collected yet (docs/runtime.md, "Memory").
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PASSWORD, SmtpSession, acceptedId, line } from './clients.js';

const MiB = 1024 * 1024;
const SERVE_NODE = fileURLToPath(new URL('./serve-node.ts', import.meta.url));

interface ServedNode {
  httpUrl: string;
  masterKey: string;
  smtp: number[];
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM). */
function procStatusBytes(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  assert.ok(match, `${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

describe('message size and memory', () => {
  let child: ChildProcessWithoutNullStreams;
  let served: ServedNode;
  let lines: AsyncIterator<string>;

  async function nextLine(): Promise<string> {
    const next = await lines.next();
    assert.ok(!next.done, 'the node process closed its output');
    return next.value;
  }

  before(async () => {
    child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', SERVE_NODE], {
      env: process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stderr.resume();
    const early = new Promise<never>((_resolve, reject) =>
      child.once('exit', (code) => reject(new Error(`the node process exited early (${code})`))),
    );
    early.catch(() => undefined);
    lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    served = JSON.parse(await Promise.race([nextLine(), early])) as ServedNode;
    const answer = await fetch(`${served.httpUrl}/v3/users/smtp/add`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-smtp2go-api-key': served.masterKey },
      body: JSON.stringify({ username: 'big-sender', email_password: PASSWORD }),
    });
    assert.equal(answer.status, 200);
  });

  after(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end();
    await exited;
  });

  /** Sends one 50 MiB message in a new session; `during` wraps the streaming of its body. */
  async function sendFiftyMiB(during: (stream: () => Promise<void>) => Promise<void>): Promise<void> {
    const session = new SmtpSession(served.smtp[0] as number);
    try {
      await session.step({ do: 'ehlo' });
      await session.step({ do: 'auth', user: 'big-sender', password: PASSWORD });
      await session.step({ do: 'cmd', line: 'MAIL FROM:<sender@example.com>' });
      await session.step({ do: 'cmd', line: 'RCPT TO:<one@example.com>' });
      await during(async () => {
        acceptedId(await session.step({ do: 'stream', size: 50 * MiB }));
      });
    } finally {
      await session.close();
    }
  }

  test('a 50 MiB message is accepted while the server holds less than 16 MiB of it', async (t) => {
    await sendFiftyMiB(async (stream) => {
      child.stdin.write('live-start\n');
      await stream();
      child.stdin.write('live-stop\n');
    });
    const live = JSON.parse(await nextLine()) as { liveGrowth: number; samples: number };
    t.diagnostic(`held at most ${(live.liveGrowth / MiB).toFixed(1)} MiB more (${live.samples} samples)`);
    assert.ok(live.samples > 0, 'memory was sampled while the message streamed');
    assert.ok(
      live.liveGrowth < 16 * MiB,
      `the server held ${(live.liveGrowth / MiB).toFixed(1)} MiB more (${live.samples} samples)`,
    );
  });

  // Peak resident size while a 50 MiB message streams, without the collections the test above forces.
  // Node 20 measured 31.6–33.3 MiB; Node 24 70.9–72.2 MiB, where V8 lets dropped buffers reach 64 MiB
  // before collecting them (2026-12-04). The allowance is that 64 MiB plus 64 MiB for everything else.
  test('streaming a 50 MiB message grows the resident size by less than 128 MiB', async (t) => {
    const pid = child.pid as number;
    let growth = 0;
    await sendFiftyMiB(async (stream) => {
      // Start the peak-RSS counter afresh ("5" resets VmHWM), so the peak measured is this message's.
      // Where the kernel refuses, VmHWM keeps the start-up peak: the check then only gets stricter.
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        // measured against the older peak
      }
      const baseline = procStatusBytes(pid, 'VmRSS');
      await stream();
      growth = procStatusBytes(pid, 'VmHWM') - baseline;
    });
    t.diagnostic(`resident size grew by ${(growth / MiB).toFixed(1)} MiB`);
    assert.ok(growth < 128 * MiB, `the server's resident size grew by ${(growth / MiB).toFixed(1)} MiB`);
  });

  test('a declared SIZE over the limit is refused at MAIL FROM with 552 5.3.4', async () => {
    const session = new SmtpSession(served.smtp[0] as number);
    try {
      await session.step({ do: 'ehlo' });
      await session.step({ do: 'auth', user: 'big-sender', password: PASSWORD });
      const reply = await session.step({
        do: 'cmd',
        line: `MAIL FROM:<sender@example.com> SIZE=${60 * MiB}`,
      });
      assert.match(line(reply), /^552 5\.3\.4 /);
      assert.equal(
        line(await session.step({ do: 'cmd', line: 'MAIL FROM:<sender@example.com> SIZE=1000' })),
        '250 2.1.0 Accepted',
      );
    } finally {
      await session.close();
    }
  });

  test('a 60 MiB message gets 552 5.3.4 and the same session then sends a small message', async () => {
    const session = new SmtpSession(served.smtp[0] as number);
    try {
      await session.step({ do: 'ehlo' });
      await session.step({ do: 'auth', user: 'big-sender', password: PASSWORD });
      await session.step({ do: 'cmd', line: 'MAIL FROM:<sender@example.com>' });
      await session.step({ do: 'cmd', line: 'RCPT TO:<one@example.com>' });
      const refused = await session.step({ do: 'stream', size: 60 * MiB });
      assert.equal(line(refused), `552 5.3.4 Message exceeds the size limit of ${50 * MiB} bytes`);
      assert.equal(
        line(await session.step({ do: 'cmd', line: 'MAIL FROM:<sender@example.com>' })),
        '250 2.1.0 Accepted',
      );
      assert.equal(
        line(await session.step({ do: 'cmd', line: 'RCPT TO:<two@example.com>' })),
        '250 2.1.5 Accepted',
      );
      acceptedId(await session.step({ do: 'data' }));
    } finally {
      await session.close();
    }
  });
});
