// Packages a process loads only the first time it needs them, so a process that never does (a node on
// SQLite and pg, a node logging JSON and pino-pretty, docs/memory.md) does not carry them. They are
// CommonJS, so the load stays synchronous, unlike a dynamic import().
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A function that loads the package `name` on its first call and answers the same module after. */
export function loadWhenUsed<T>(name: string): () => T {
  let loaded: { module: T } | null = null;
  return () => (loaded ??= { module: require(name) as T }).module;
}
