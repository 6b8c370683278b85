// Petrel's version, from package.json (src/version.ts and dist/version.js are both one level below it).
import { readFileSync } from 'node:fs';

export const PETREL_VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
