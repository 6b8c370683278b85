// The per-key API request count of a node with several workers on embedded SQLite (SPEC §1.10): the
// supervisor keeps the node's one batched counter (src/api/batched-counter.ts), and each worker's
// RemoteRequestCounter asks it, so that requests spread over workers (one connection each) are counted
// together at once rather than a flush apart. PostgreSQL needs none of this: it counts each request.
import type { BucketCounter } from '../api/batched-counter.js';
import { answerWorkers, askSupervisor } from './ipc.js';

const TOPIC = 'request-counter';

interface Increment {
  scope: string;
  subject: string;
  bucketStart: number;
}

/** In the supervisor: the node's counter, answering the workers. */
export function serveRequestCounter(counter: BucketCounter): void {
  answerWorkers(TOPIC, (payload) => {
    const { scope, subject, bucketStart } = payload as Increment;
    return counter.increment(scope, subject, bucketStart);
  });
}

/** In a worker: the node's counter, asked through the supervisor. */
export class RemoteRequestCounter implements BucketCounter {
  increment(scope: string, subject: string, bucketStart: number): Promise<number> {
    return askSupervisor<number>(TOPIC, { scope, subject, bucketStart } satisfies Increment);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
