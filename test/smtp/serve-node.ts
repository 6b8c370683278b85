// Runs one test node in its own process, so that a test can measure that process's memory: prints one
// JSON line (URLs, ports, the master API key), then serves until its standard input closes.
// Started with --expose-gc it also answers two commands on standard input: `live-start` begins sampling
// the memory still reachable after a full collection (every 50 ms), `live-stop` prints the largest
// growth seen as one JSON line. That is memory Petrel holds, apart from buffers already dropped that
// the runtime has not yet collected (which V8 lets reach 64 MiB on Node 22+ before it collects them)
// and apart from freed buffers V8 has not yet counted off (see liveBytes).
import { createInterface } from 'node:readline';
import { startTestNode } from '../helpers/node.js';

const node = await startTestNode();
process.stdout.write(
  JSON.stringify({
    httpUrl: node.httpUrl,
    masterKey: node.masterKey,
    smtp: node.smtp.ports.smtp,
    smtps: node.smtp.ports.smtps,
  }) + '\n',
);

const collect = (globalThis as { gc?: () => void }).gc;
/**
 * Bytes reachable after a full collection: the JS heap and the buffers still allocated. Buffers are
 * counted by `arrayBuffers` (Node's allocator, which counts a buffer off when it is freed) rather than
 * `external`: V8 frees dead buffers on a background thread and takes them off `external` only later on
 * the main thread, so right after gc() `external` still held up to ~15 MiB of freed socket buffers
 * while `arrayBuffers` was back under 1 MiB (measured 2026-12-04, Node 20).
 */
function liveBytes(): number {
  collect?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

let sampler: { timer: NodeJS.Timeout; baseline: number; peak: number; samples: number } | null = null;
const commands: Record<string, () => void> = {
  'live-start': () => {
    const baseline = liveBytes();
    const state = { baseline, peak: baseline, samples: 0, timer: setInterval(() => sample(), 50) };
    const sample = (): void => {
      state.peak = Math.max(state.peak, liveBytes());
      state.samples++;
    };
    sampler = state;
  },
  'live-stop': () => {
    if (!sampler) return;
    clearInterval(sampler.timer);
    sampler.peak = Math.max(sampler.peak, liveBytes());
    process.stdout.write(
      JSON.stringify({ liveGrowth: sampler.peak - sampler.baseline, samples: sampler.samples }) + '\n',
    );
    sampler = null;
  },
};

const input = createInterface({ input: process.stdin });
input.on('line', (command) => commands[command.trim()]?.());
input.on('close', () => {
  void node.stop().then(() => process.exit(0));
});
