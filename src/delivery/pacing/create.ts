// The node's pacer as the configuration describes it, reporting its slow-downs to /metrics and to the
// file the CLI reads (docs/delivery.md, "Destination rules").
import type { Metrics } from '../../metrics.js';
import { Pacer } from './pacer.js';
import type { DestinationRule } from './rules.js';
import { writeSlowDowns } from './slowdown-file.js';

export function createPacer(
  rules: readonly DestinationRule[],
  spoolDir: string,
  metrics: Pick<Metrics, 'destinationSlowdown'>,
): Pacer {
  return new Pacer({
    rules,
    onSlowDownsChange: (list) => {
      metrics.destinationSlowdown.reset();
      for (const s of list) metrics.destinationSlowdown.set({ destination: s.destination }, s.factor);
      try {
        writeSlowDowns(spoolDir, list);
      } catch {
        // The CLI's view is a convenience; pacing itself goes on from memory.
      }
    },
  });
}
