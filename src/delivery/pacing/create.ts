// The node's pacer as the configuration describes it, reporting its slow-downs to /metrics and to the
// file the CLI reads (docs/delivery.md, "Destination rules").
import type { Metrics } from '../../metrics.js';
import { Pacer } from './pacer.js';
import { BUILT_IN_DESTINATION_RULES } from './built-in-rules.js';
import type { DestinationRule } from './rules.js';
import { workerShare } from '../../workers/share.js';
import { writeSlowDowns } from './slowdown-file.js';

export function createPacer(
  rules: readonly DestinationRule[],
  spoolDir: string,
  metrics: Pick<Metrics, 'destinationSlowdown'>,
  workers = 1,
): Pacer {
  return new Pacer({
    // Each worker process paces its own deliveries: it gets its share of every limit (docs/workers.md).
    rules: rules.map((rule) => ruleShare(rule, workers)),
    builtIn: BUILT_IN_DESTINATION_RULES.map((rule) => ruleShare(rule, workers)),
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

/** A worker's share of a rule's limits (messages per connection is not a shared budget: kept whole). */
function ruleShare(rule: DestinationRule, workers: number): DestinationRule {
  if (workers === 1) return rule;
  const shared = { ...rule };
  if (rule.max_connections !== undefined) shared.max_connections = workerShare(rule.max_connections, workers);
  if (rule.messages_per_minute !== undefined)
    shared.messages_per_minute = workerShare(rule.messages_per_minute, workers);
  return shared;
}
