// `petrel bench`: the built-in SMTP load generator (AUTH PLAIN, optional STARTTLS or implicit TLS),
// bounded in message count and in time, printing accepted/s, failures by code and latency percentiles.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { benchResultJson, formatBenchResult } from '../bench/report.js';
import { runBench, type BenchOptions } from '../bench/run.js';
import { progressLine } from './progress.js';

function positiveInt(max: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    }
    return n;
  };
}

function port(raw: string): number {
  return positiveInt(65535)(raw);
}

function address(raw: string): string {
  if (!/^[^\s<>@]+@[^\s<>@]+$/.test(raw))
    throw new InvalidArgumentError('must be an address like name@example.test');
  return raw;
}

interface BenchFlags {
  host: string;
  port: number;
  starttls?: boolean;
  tls?: boolean;
  verifyCertificate?: boolean;
  user?: string;
  password?: string;
  sessions: number;
  messages: number;
  size: number;
  recipients: number;
  duration: number;
  rate?: number;
  from: string;
  to: string;
  helo: string;
  json?: boolean;
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('Load-test an SMTP server: concurrent sessions, each sending message after message')
    .option('--host <host>', 'server to connect to', '127.0.0.1')
    .option('--port <port>', 'server port', port, 2525)
    .addOption(new Option('--starttls', 'upgrade each connection with STARTTLS').conflicts('tls'))
    .option('--tls', 'implicit TLS from the first byte (e.g. port 465/8465)')
    .option('--verify-certificate', "check the server's TLS certificate (off: self-signed servers work)")
    .option('--user <username>', 'log in with AUTH PLAIN as this user')
    .option('--password <password>', 'password for --user (or PETREL_BENCH_PASSWORD)')
    .option('--sessions <n>', 'concurrent connections', positiveInt(10_000), 20)
    .option('--messages <n>', 'messages to send in total', positiveInt(100_000_000), 1000)
    .option('--size <bytes>', 'bytes per message, headers included', positiveInt(1024 * 1024 * 1024), 1024)
    .option('--recipients <n>', 'recipients per message', positiveInt(1000), 1)
    .option(
      '--duration <seconds>',
      'hard bound on the run; stops whatever is unfinished',
      positiveInt(86_400),
      60,
    )
    .option(
      '--rate <per-second>',
      'offered load: start at most this many messages a second (default: as fast as the server answers)',
      positiveInt(1_000_000),
    )
    .option('--from <address>', 'envelope and header sender', address, 'bench@example.test')
    .option('--to <address>', 'recipient (local+N@domain when several)', address, 'rcpt@example.test')
    .option('--helo <name>', 'EHLO name', 'petrel-bench.test')
    .option('--json', 'print the result as one JSON object')
    .action(async (flags: BenchFlags) => {
      const password = flags.password ?? process.env.PETREL_BENCH_PASSWORD;
      const options: BenchOptions = {
        host: flags.host,
        port: flags.port,
        tls: flags.tls ? 'implicit' : flags.starttls ? 'starttls' : 'none',
        verifyCertificate: flags.verifyCertificate === true,
        ...(flags.user !== undefined ? { user: flags.user, password: password ?? '' } : {}),
        sessions: Math.min(flags.sessions, flags.messages),
        messages: flags.messages,
        size: flags.size,
        recipients: flags.recipients,
        durationSeconds: flags.duration,
        ...(flags.rate === undefined ? {} : { ratePerSecond: flags.rate }),
        from: flags.from,
        to: flags.to,
        helo: flags.helo,
      };
      const line = progressLine();
      const result = await runBench({
        ...options,
        onProgress: (p) =>
          line.update(
            `bench: ${p.accepted + p.failed}/${p.messages} sent, ${p.accepted} accepted, ${p.failed} failed, ` +
              `${Math.round(p.accepted / Math.max(p.elapsedSeconds, 1e-3))} msg/s, ${Math.round(p.elapsedSeconds)} s`,
          ),
      }).finally(() => line.done());
      process.stdout.write(`${flags.json ? benchResultJson(result) : formatBenchResult(result)}\n`);
      // A run that got nothing through is a failed run (wrong port, wrong password…).
      if (result.accepted === 0) process.exitCode = 1;
    });
}
