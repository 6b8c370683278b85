// /metrics under PETREL_WORKERS: a scrape lands on one worker, which asks the supervisor; the supervisor
// gathers every worker's registry through prom-client's AggregatorRegistry (counters and gauges summed,
// the slow-down share by its minimum) and answers with the whole node's text.
import { AggregatorRegistry, type Registry } from 'prom-client';
import { answerWorkers, askSupervisor } from './ipc.js';

const TOPIC = 'metrics';

/** In the supervisor: answers workers' requests for the whole node's metrics. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  answerWorkers(TOPIC, () => aggregator.clusterMetrics());
}

/**
 * In a worker: offers `registry` to the supervisor's gatherings and returns the function that fetches
 * the whole node's text for GET /metrics.
 */
export function clusterMetricsSource(registry: Registry): () => Promise<string> {
  // The constructor adds the listener that answers the supervisor with this process's registries.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  return () => askSupervisor<string>(TOPIC, null);
}
