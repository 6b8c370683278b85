// SMTP2GO's own OpenAPI description (shared/reference/smtp2go-v3-openapi.yml), read by tests that check
// Petrel's request and answer field names against it (SPEC §1.7, §8).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

interface SchemaNode {
  type?: string;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

interface Operation {
  requestBody?: { content: { 'application/json': { schema: SchemaNode } } };
  responses: Record<string, { content?: { 'application/json': { schema: SchemaNode } } }>;
}

function referencePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    process.env.PETREL_SMTP2GO_REFERENCE,
    join(here, '../../../shared/reference/smtp2go-v3-openapi.yml'),
    '/work/shared/reference/smtp2go-v3-openapi.yml',
  ];
  for (const c of candidates) {
    if (c === undefined) continue;
    try {
      readFileSync(c);
      return c;
    } catch {
      // try the next place
    }
  }
  throw new Error('SMTP2GO reference not found; set PETREL_SMTP2GO_REFERENCE');
}

let loaded: { paths: Record<string, { post: Operation }> } | null = null;

function operation(path: string): Operation {
  loaded ??= parse(readFileSync(referencePath(), 'utf8')) as { paths: Record<string, { post: Operation }> };
  const op = loaded.paths[path]?.post;
  if (!op) throw new Error(`no POST ${path} in the SMTP2GO reference`);
  return op;
}

/** The request body's property names. */
export function requestFields(path: string): string[] {
  return Object.keys(operation(path).requestBody?.content['application/json'].schema.properties ?? {}).sort();
}

/** The schema of `data` in the 200 answer, or of a part of it (`events.items`). */
export function answerSchema(path: string, within: string[] = []): SchemaNode {
  const schema = operation(path).responses['200']?.content?.['application/json'].schema;
  // A few operations (/email/scheduled/search) describe `data`, an array, as the whole schema.
  let node = schema?.properties?.data ?? (schema?.type === 'array' ? schema : undefined);
  for (const step of within) node = step === '[]' ? node?.items : node?.properties?.[step];
  if (!node) throw new Error(`no ${[path, ...within].join(' ')} in the SMTP2GO reference`);
  return node;
}

/** Field names of an answer object: its required ones, or all of its properties. */
export function answerFields(
  path: string,
  within: string[] = [],
  which: 'required' | 'all' = 'required',
): string[] {
  const node = answerSchema(path, within);
  return (which === 'required' ? (node.required ?? []) : Object.keys(node.properties ?? {})).sort();
}
