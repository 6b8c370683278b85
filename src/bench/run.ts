// Runs the benchmark workload: `sessions` connections share a pool of `messages` transactions
// (MAIL, RCPT × recipients, DATA), each connection reused for message after message, within a hard
// time bound; collects accepted counts, failures by reply code and latencies.
import { buildBenchMessage } from './message.js';
import { summarize, type LatencySummary } from './percentiles.js';
import { SmtpClient, SmtpProtocolError, TlsSessionCache, type TlsMode } from './smtp-client.js';

export interface BenchOptions {
  host: string;
  port: number;
  tls: TlsMode;
  verifyCertificate: boolean;
  user?: string;
  password?: string;
  sessions: number;
  messages: number;
  /** Bytes per message (headers + body). */
  size: number;
  recipients: number;
  /** Hard bound on the whole run, in seconds. */
  durationSeconds: number;
  /**
   * Offered load: message n starts no sooner than n / ratePerSecond seconds into the run (sessions wait
   * for their turn). Absent: every session sends as fast as the server answers.
   */
  ratePerSecond?: number;
  from: string;
  /** The recipient address; with several recipients per message, `local+N@domain`. */
  to: string;
  helo: string;
  /** Called about once a second while the run lasts (the CLI's progress line). */
  onProgress?: (progress: BenchProgress) => void;
}

export interface BenchProgress {
  accepted: number;
  failed: number;
  messages: number;
  elapsedSeconds: number;
}

export interface BenchResult {
  target: string;
  sessions: number;
  messageSize: number;
  recipientsPerMessage: number;
  /** Transactions answered 250 after DATA. */
  accepted: number;
  /** Transactions refused (any stage) or cut off by a lost connection. */
  failed: number;
  /** Failed transactions keyed by reply code (`451`, `552`, …) or `connection` (lost mid-transaction). */
  failures: Record<string, number>;
  /** Failed connection attempts keyed by `<stage>:<code>` (`AUTH:535`) or the socket error (`ECONNREFUSED`). */
  setupFailures: Record<string, number>;
  /** Transactions still in flight when the time bound stopped the run. */
  unfinished: number;
  /** True when the run ended because of --duration rather than finishing its messages. */
  timedOut: boolean;
  elapsedSeconds: number;
  acceptedPerSecond: number;
  latencyMs: {
    /** From the end of DATA (the final dot sent) to the 250: the server's commit time. */
    dataEnd: LatencySummary;
    /** From MAIL FROM sent to the final 250: the whole transaction. */
    transaction: LatencySummary;
  };
}

type Stage = 'idle' | 'mail' | 'rcpt' | 'data' | 'body' | 'rset';

// A session that cannot connect this many times in a row gives up (the server is down or refusing).
const MAX_CONSECUTIVE_CONNECT_FAILURES = 3;

export function recipientAddresses(to: string, count: number): string[] {
  if (count === 1) return [to];
  const at = to.lastIndexOf('@');
  const local = at < 0 ? to : to.slice(0, at);
  const domain = at < 0 ? 'example.test' : to.slice(at + 1);
  return Array.from({ length: count }, (_, i) => `${local}+${i + 1}@${domain}`);
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const recipients = recipientAddresses(options.to, options.recipients);
  const message = buildBenchMessage({ from: options.from, to: recipients, size: options.size });
  const mailCommand = `MAIL FROM:<${options.from}>\r\n`;
  const rcptCommands = recipients.map((r) => `RCPT TO:<${r}>\r\n`);

  const dataEndLatency = new Float64Array(options.messages);
  const transactionLatency = new Float64Array(options.messages);
  const failures: Record<string, number> = {};
  const setupFailures: Record<string, number> = {};
  let claimed = 0;
  let accepted = 0;
  let failed = 0;
  let inFlight = 0;
  let stopped = false;
  let lastCompletion = 0;
  const clients = new Set<SmtpClient>();
  const fail = (key: string): void => {
    failures[key] = (failures[key] ?? 0) + 1;
    failed++;
  };

  const start = performance.now();
  const rate = options.ratePerSecond;

  /** Runs transactions on one connection until the work runs out; resolves when the connection ends. */
  const useConnection = (client: SmtpClient): Promise<void> =>
    new Promise((resolve) => {
      let stage: Stage = 'idle';
      let rcptIndex = 0;
      let started = 0;
      let dataSent = 0;

      /** Starts a transaction at `due` (performance.now() time) or, when the run is over, quits. */
      const begin = (due: number): void => {
        if (stopped) {
          client.quit();
          return;
        }
        // Timers may fire a little early by this clock: wait out the rest.
        const left = due - performance.now();
        if (left > 0) {
          setTimeout(() => begin(due), Math.ceil(left));
          return;
        }
        inFlight++;
        stage = 'mail';
        started = performance.now();
        client.send(mailCommand);
      };
      const next = (): void => {
        if (stopped || claimed >= options.messages) {
          stage = 'idle';
          client.quit();
          return;
        }
        const index = claimed++;
        const due = rate === undefined ? 0 : start + (index * 1000) / rate;
        stage = 'idle'; // until its turn: a close now loses no message
        begin(due);
      };
      const refuse = (code: number): void => {
        inFlight--;
        fail(String(code));
        if (code === 421) {
          stage = 'idle'; // counted already; the close that follows is not another failure
          client.destroy();
          return;
        }
        stage = 'rset';
        client.send('RSET\r\n');
      };

      client.onReply = (code) => {
        switch (stage) {
          case 'mail':
            if (code !== 250) return refuse(code);
            rcptIndex = 0;
            stage = 'rcpt';
            client.send(rcptCommands[0] ?? '');
            return;
          case 'rcpt':
            if (code !== 250 && code !== 251) return refuse(code);
            rcptIndex++;
            if (rcptIndex < rcptCommands.length) {
              client.send(rcptCommands[rcptIndex] ?? '');
            } else {
              stage = 'data';
              client.send('DATA\r\n');
            }
            return;
          case 'data':
            if (code !== 354) return refuse(code);
            stage = 'body';
            dataSent = performance.now();
            client.send(message);
            return;
          case 'body': {
            if (code !== 250) return refuse(code);
            const now = performance.now();
            dataEndLatency[accepted] = now - dataSent;
            transactionLatency[accepted] = now - started;
            accepted++;
            inFlight--;
            lastCompletion = now;
            return next();
          }
          case 'rset':
            if (code === 421) return client.destroy();
            return next();
          case 'idle':
            return;
        }
      };
      client.onClose = () => {
        clients.delete(client);
        if (stage !== 'idle' && stage !== 'rset' && !stopped) {
          inFlight--;
          fail('connection');
        }
        resolve();
      };
      next();
    });

  const tlsSessions = new TlsSessionCache();
  const session = async (): Promise<void> => {
    let connectFailures = 0;
    while (!stopped && claimed < options.messages) {
      let client: SmtpClient;
      try {
        client = await SmtpClient.open({
          host: options.host,
          port: options.port,
          tls: options.tls,
          verifyCertificate: options.verifyCertificate,
          tlsSessions,
          helo: options.helo,
          ...(options.user !== undefined ? { user: options.user, password: options.password ?? '' } : {}),
        });
      } catch (err) {
        if (stopped) return;
        const key = err instanceof SmtpProtocolError ? `${err.stage}:${err.code}` : errorCode(err);
        setupFailures[key] = (setupFailures[key] ?? 0) + 1;
        if (++connectFailures >= MAX_CONSECUTIVE_CONNECT_FAILURES) return;
        continue;
      }
      if (stopped) {
        client.destroy();
        return;
      }
      connectFailures = 0;
      clients.add(client);
      await useConnection(client);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.durationSeconds * 1000);
  });
  const progress = options.onProgress;
  const ticker =
    progress === undefined
      ? undefined
      : setInterval(
          () =>
            progress({
              accepted,
              failed,
              messages: options.messages,
              elapsedSeconds: (performance.now() - start) / 1000,
            }),
          1000,
        );
  const sessions = Promise.all(Array.from({ length: options.sessions }, session));
  const outcome = await Promise.race([sessions.then(() => 'done' as const), timeout]);
  clearTimeout(timer);
  clearInterval(ticker);
  const end = outcome === 'timeout' ? performance.now() : lastCompletion || performance.now();
  if (outcome === 'timeout') {
    stopped = true;
    for (const client of clients) client.destroy();
    await sessions;
  }

  const elapsedSeconds = Math.max(end - start, 1e-3) / 1000;
  return {
    target: `${options.host}:${options.port}`,
    sessions: options.sessions,
    messageSize: options.size,
    recipientsPerMessage: options.recipients,
    accepted,
    failed,
    failures,
    setupFailures,
    unfinished: Math.max(0, inFlight),
    timedOut: outcome === 'timeout',
    elapsedSeconds: Math.round(elapsedSeconds * 1000) / 1000,
    acceptedPerSecond: Math.round((accepted / elapsedSeconds) * 10) / 10,
    latencyMs: {
      dataEnd: summarize(dataEndLatency, accepted),
      transaction: summarize(transactionLatency, accepted),
    },
  };
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
}
