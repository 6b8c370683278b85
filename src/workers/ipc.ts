// Requests from a worker to its supervisor over the cluster's IPC channel, and their answers: the one
// mechanism behind the node-wide parts the workers share (/metrics, the SMTP client guard).
import cluster from 'node:cluster';

/** A worker whose supervisor does not answer fails the request rather than hanging it. */
const ANSWER_TIMEOUT_MS = 10_000;

interface Request {
  petrel: 'request';
  topic: string;
  id: number;
  payload: unknown;
}
interface Answer {
  petrel: 'answer';
  id: number;
  value?: unknown;
  error?: string;
}

function isRequest(message: unknown, topic: string): message is Request {
  const m = message as Partial<Request> | null;
  return typeof m === 'object' && m !== null && m.petrel === 'request' && m.topic === topic;
}

/** In the supervisor: answers the workers' requests on `topic` with `handler`. */
export function answerWorkers(topic: string, handler: (payload: unknown) => unknown): void {
  cluster.on('message', (worker, message: unknown) => {
    if (!isRequest(message, topic)) return;
    const { id } = message;
    // A worker that died meanwhile is not answered (sending to it would be an error of the supervisor's).
    const answer = (reply: Answer) => {
      if (id >= 0 && worker.isConnected()) worker.send(reply);
    };
    Promise.resolve()
      .then(() => handler(message.payload))
      .then(
        (value: unknown) => answer({ petrel: 'answer', id, value }),
        (err: unknown) => answer({ petrel: 'answer', id, error: String(err) }),
      );
  });
}

const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
let nextId = 0;
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  process.on('message', (message: unknown) => {
    const m = message as Partial<Answer> | null;
    if (typeof m !== 'object' || m === null || m.petrel !== 'answer' || typeof m.id !== 'number') return;
    const waiter = waiting.get(m.id);
    if (!waiter) return;
    waiting.delete(m.id);
    if (m.error === undefined) waiter.resolve(m.value);
    else waiter.reject(new Error(m.error));
  });
}

/** In a worker: asks the supervisor and resolves with its answer. */
export function askSupervisor<T>(topic: string, payload: unknown): Promise<T> {
  listen();
  return new Promise<T>((resolve, reject) => {
    const id = nextId++;
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`workers: the supervisor did not answer '${topic}' in time`));
    }, ANSWER_TIMEOUT_MS);
    waiting.set(id, {
      resolve: (value) => (clearTimeout(timer), resolve(value as T)),
      reject: (err) => (clearTimeout(timer), reject(err)),
    });
    process.send?.({ petrel: 'request', topic, id, payload } satisfies Request);
  });
}

/** In a worker: tells the supervisor something that needs no answer. */
export function tellSupervisor(topic: string, payload: unknown): void {
  process.send?.({ petrel: 'request', topic, id: -1, payload } satisfies Request);
}
