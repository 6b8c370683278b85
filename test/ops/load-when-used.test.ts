// Packages loaded on first use (src/load-when-used.ts, docs/memory.md): importing the modules that use
// them loads none of them, and each is loaded by the first call that needs it. Run in a child process,
// whose module cache starts empty.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';

const CHILD = `
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
const cache = createRequire(import.meta.url).cache;
const loaded = () => ['pg', 'pino-pretty', 'handlebars', 'undici'].filter((name) =>
  Object.keys(cache).some((path) => path.includes('/node_modules/' + name + '/')));
const { createLogger } = await import('./src/logger.ts');
const { checkTemplateSyntax } = await import('./src/templates/render.ts');
await import('./src/store/database.ts');
await import('./src/webhooks/http-call.ts');
const steps = { imported: loaded() };
createLogger('info', new PassThrough(), { pretty: true });
steps.prettyLogger = loaded();
checkTemplateSyntax('subject', 'Hello {{name}}');
steps.templateChecked = loaded();
console.log(JSON.stringify(steps));
`;

describe('packages loaded on first use', () => {
  test('none is loaded by an import; each by the first call that needs it', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
      encoding: 'utf8',
    });
    const steps = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, string[]>;
    assert.deepEqual(steps, {
      imported: [],
      prettyLogger: ['pino-pretty'],
      templateChecked: ['pino-pretty', 'handlebars'],
    });
  });
});
