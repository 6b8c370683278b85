// Queries of the mail path compiled once and then run with new values. Building and compiling a Kysely
// query costs tens of microseconds each time, as much as SQLite takes to answer an indexed lookup; the
// SMTP session runs a few of these per message (the user, its account, the address lists), so they are
// built once with slots where the values go, and each call only fills the slots in.
import type { CompiledQuery, Compilable, Kysely } from 'kysely';
import type { Database } from './tables.js';

/** A value no caller passes: it marks where the i-th argument goes among the compiled parameters. */
const SLOT = '\u0000petrel-slot:';

/**
 * Returns a function running the query `build` makes, with its arguments where `build` put its slots.
 * `build` is called once, on first use; only string slots are supported (the hot lookups are by id or
 * name). Values `build` writes itself (a LIMIT) stay as they were compiled.
 */
export function compiledQuery<R>(
  db: Pick<Kysely<Database>, 'executeQuery'>,
  arity: number,
  build: (...slots: string[]) => Compilable<R>,
): (...args: string[]) => Promise<R[]> {
  let compiled: CompiledQuery<R> | null = null;
  let sources: number[] = [];
  return async (...args) => {
    if (args.length !== arity) throw new TypeError(`expected ${arity} values, got ${args.length}`);
    if (compiled === null) {
      compiled = build(...Array.from({ length: arity }, (_, i) => `${SLOT}${i}`)).compile();
      sources = compiled.parameters.map((p) =>
        typeof p === 'string' && p.startsWith(SLOT) ? Number(p.slice(SLOT.length)) : -1,
      );
      const used = new Set(sources.filter((s) => s >= 0));
      if (used.size !== arity) throw new Error(`a compiled query used ${used.size} of its ${arity} slots`);
    }
    const template = compiled;
    const parameters = template.parameters.map((p, i) => {
      const source = sources[i] ?? -1;
      return source >= 0 ? args[source] : p;
    });
    const result = await db.executeQuery<R>({ ...template, parameters });
    return result.rows;
  };
}
