// V8's young generation for the worker processes (docs/memory.md, "Under load with two workers"). Node 20
// lets each of the two semi-spaces of a process's new space grow to 16 MiB, so a busy worker holds 32 MiB
// of new space whether or not it needs it. At 4 MiB a node of two workers peaked ~70 MiB
// lower under the intake benchmark, at the same CPU per message; at 1 MiB objects of a live SMTP
// transaction get promoted to old space before they die, which costs both CPU and memory.

/** The semi-space size, in MiB, that the supervisor gives the workers it forks. */
export const WORKER_SEMI_SPACE_MIB = 4;

const SEMI_SPACE_FLAG = /^--max[-_]semi[-_]space[-_]size(=|$)/;

/**
 * The node flags a worker is forked with: the supervisor's own (cluster's default), plus the semi-space
 * size unless the operator chose one on the command line or in NODE_OPTIONS (which workers inherit).
 */
export function workerExecArgv(execArgv: readonly string[], nodeOptions = ''): string[] {
  const chosen = [...execArgv, ...nodeOptions.split(/\s+/)].some((arg) => SEMI_SPACE_FLAG.test(arg));
  return chosen ? [...execArgv] : [...execArgv, `--max-semi-space-size=${WORKER_SEMI_SPACE_MIB}`];
}
