// Parsers of untrusted mail are kept current (SPEC §10): postal-mime, which reads every message the
// archive view, the DSN builder and the header handling parse, is at least the release the security
// review asked for (4.2.0), both as installed and as package.json pins it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);

function atLeast(version: string, minimum: [number, number, number]): boolean {
  const parts = version
    .replace(/^[^\d]*/, '')
    .split('.')
    .map(Number);
  for (let i = 0; i < 3; i++) {
    const have = parts[i] ?? 0;
    const want = minimum[i] ?? 0;
    if (have !== want) return have > want;
  }
  return true;
}

test('postal-mime is 4.2.0 or later, installed and required', () => {
  const installed = (
    JSON.parse(readFileSync(require.resolve('postal-mime/package.json'), 'utf8')) as { version: string }
  ).version;
  assert.ok(atLeast(installed, [4, 2, 0]), `installed postal-mime ${installed}`);
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const wanted = manifest.dependencies['postal-mime'] ?? '';
  assert.ok(atLeast(wanted, [4, 2, 0]), `package.json asks for postal-mime ${wanted}`);
});
