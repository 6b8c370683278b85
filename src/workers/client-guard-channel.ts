// The SMTP client guard of a node with several workers (SPEC §10): the supervisor keeps the one
// LocalClientGuard, and each worker's RemoteClientGuard asks it, so that the back-off and the caps per
// client address count every connection and login of the node, whichever worker took it.
import type { ClientGuard, Refused } from '../smtp/client-guard.js';
import type { LocalClientGuard } from '../smtp/client-guard.js';
import { answerWorkers, askSupervisor, tellSupervisor } from './ipc.js';

const TOPIC = 'client-guard';

type Call =
  | { op: 'openConnection'; address: string }
  | { op: 'closeConnection'; address: string }
  | { op: 'beginAuth'; address: string }
  | { op: 'endAuth'; address: string; token: number; succeeded: boolean };

/** In the supervisor: the node's guard, answering the workers. */
export function serveClientGuard(guard: LocalClientGuard): void {
  answerWorkers(TOPIC, (payload) => {
    const call = payload as Call;
    switch (call.op) {
      case 'openConnection':
        return guard.openConnection(call.address);
      case 'closeConnection':
        return guard.closeConnection(call.address);
      case 'beginAuth':
        return guard.beginAuth(call.address);
      case 'endAuth':
        return guard.endAuth(call.address, call.token, call.succeeded);
    }
  });
}

/** In a worker: the node's guard, asked through the supervisor. */
export class RemoteClientGuard implements ClientGuard {
  openConnection(address: string): Promise<'ok' | Refused> {
    return askSupervisor(TOPIC, { op: 'openConnection', address } satisfies Call);
  }

  closeConnection(address: string): void {
    tellSupervisor(TOPIC, { op: 'closeConnection', address } satisfies Call);
  }

  beginAuth(address: string): Promise<{ token: number } | Refused> {
    return askSupervisor(TOPIC, { op: 'beginAuth', address } satisfies Call);
  }

  endAuth(address: string, token: number, succeeded: boolean): Promise<boolean> {
    return askSupervisor(TOPIC, { op: 'endAuth', address, token, succeeded } satisfies Call);
  }
}
