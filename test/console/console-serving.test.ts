// The console's files as Petrel serves them: the redirect from /, content types, the Content-Security-
// Policy and other headers, ETags, every module the page imports, and the rules that keep the CSP
// holding (no inline script or style, no HTML-parsing DOM sinks, no relaxed iframe sandbox).
import { EVENT_NAMES } from '../../src/domain/schemas/activity.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findConsoleAssets } from '../../src/console/static-files.js';
import { DEFAULT_FOOTER } from '../../src/transform/footer.js';
import { startTestNode, type TestNode } from '../helpers/node.js';

const ASSETS = fileURLToPath(new URL('../../src/console/assets/', import.meta.url));

function assetFiles(dir = ASSETS): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? assetFiles(path) : [path];
  });
}

/** The CSP as a directive → sources map, so the test does not depend on the order of directives. */
function directives(header: string | null): Map<string, string> {
  assert.ok(header, 'no Content-Security-Policy header');
  return new Map(
    header
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name = '', ...sources] = d.split(/\s+/);
        return [name, sources.join(' ')];
      }),
  );
}

describe('console: static serving', () => {
  let node: TestNode;
  before(async () => {
    node = await startTestNode();
  });
  after(async () => {
    await node.stop();
  });

  it('redirects / and /console to /console/, which serves the page without an API key', async () => {
    for (const path of ['/', '/console']) {
      const res = await fetch(`${node.httpUrl}${path}`, { redirect: 'manual' });
      assert.equal(res.status, 302, path);
      assert.equal(
        new URL(res.headers.get('location') ?? '', `${node.httpUrl}${path}`).pathname,
        '/console/',
      );
    }
    const page = await fetch(`${node.httpUrl}/`);
    assert.equal(page.status, 200);
    assert.equal(page.url, `${node.httpUrl}/console/`);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await page.text(), /<script type="module" src="app\.js"><\/script>/);
  });

  it('sends the strict Content-Security-Policy and the other security headers', async () => {
    for (const path of ['/console/', '/console/app.js', '/console/console.css']) {
      const res = await fetch(`${node.httpUrl}${path}`);
      assert.equal(res.status, 200, path);
      const csp = directives(res.headers.get('content-security-policy'));
      assert.equal(csp.get('default-src'), "'self'");
      assert.equal(csp.get('img-src'), "'self' data:");
      assert.equal(csp.get('frame-src'), "'self'");
      assert.equal(csp.get('script-src'), "'self'");
      assert.equal(csp.get('style-src'), "'self'");
      assert.equal(csp.get('connect-src'), "'self'");
      assert.equal(csp.get('frame-ancestors'), "'none'");
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    }
  });

  it('serves every file the page and its modules import, each with its content type', async () => {
    const types: Record<string, string> = {
      js: 'text/javascript; charset=utf-8',
      css: 'text/css; charset=utf-8',
      svg: 'image/svg+xml',
      html: 'text/html; charset=utf-8',
    };
    const html = await (await fetch(`${node.httpUrl}/console/`)).text();
    const queue = [...html.matchAll(/(?:src|href)="([^"#:]+)"/g)].map(
      (m) => new URL(m[1] ?? '', `${node.httpUrl}/console/`).href,
    );
    const seen = new Set<string>();
    while (queue.length > 0) {
      const url = queue.shift() as string;
      if (seen.has(url)) continue;
      seen.add(url);
      const res = await fetch(url);
      assert.equal(res.status, 200, url);
      const ext = url.slice(url.lastIndexOf('.') + 1);
      assert.equal(res.headers.get('content-type'), types[ext], url);
      if (ext !== 'js') continue;
      // Every static import of a module, so a missing or misspelt file breaks this test, not the console.
      const source = await res.text();
      for (const m of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
        queue.push(new URL(m[1] ?? '', url).href);
      }
    }
    assert.ok(seen.size >= 15, `only ${seen.size} files reached from index.html`);
    assert.ok(seen.has(`${node.httpUrl}/console/defaults.js`), 'the footer preview imports defaults.js');
  });

  it('answers 304 to a matching If-None-Match, and 404 for files it does not have', async () => {
    const first = await fetch(`${node.httpUrl}/console/app.js`);
    const etag = first.headers.get('etag');
    assert.ok(etag);
    assert.equal(first.headers.get('cache-control'), 'no-cache');
    const again = await fetch(`${node.httpUrl}/console/app.js`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    for (const path of ['/console/nope.js', '/console/..%2f..%2fpackage.json', '/console/%2e%2e/plugin.ts']) {
      const res = await fetch(`${node.httpUrl}${path}`);
      assert.equal(res.status, 404, path);
      assert.doesNotMatch(await res.text(), /"name":\s*"petrel"/);
    }
  });

  it('serves the built-in footer that delivery uses and the event names Petrel records', async () => {
    const source = await (await fetch(`${node.httpUrl}/console/defaults.js`)).text();
    assert.equal(
      source.trim(),
      `export const DEFAULT_FOOTER = ${JSON.stringify(DEFAULT_FOOTER)};\n` +
        `export const EVENT_NAMES = ${JSON.stringify(EVENT_NAMES)};`,
    );
  });
});

describe('console: files that keep the CSP holding', () => {
  const files = assetFiles();

  it('has no inline script, inline style or style attribute in its HTML', () => {
    const html = files.filter((f) => f.endsWith('.html'));
    assert.ok(html.length > 0);
    for (const file of html) {
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)[^>]*>/i, file);
      assert.doesNotMatch(text, /<style/i, file);
      assert.doesNotMatch(text, /\sstyle=/i, file);
      assert.doesNotMatch(text, /\son[a-z]+=/i, `${file}: inline event handler`);
    }
  });

  it('builds the DOM without parsing strings as HTML, and never relaxes the message sandbox', () => {
    const scripts = files.filter((f) => f.endsWith('.js'));
    assert.ok(scripts.length >= 10);
    for (const file of scripts) {
      const text = readFileSync(file, 'utf8');
      for (const sink of [
        'innerHTML',
        'outerHTML',
        'insertAdjacentHTML',
        'document.write',
        'eval(',
        'new Function',
      ]) {
        assert.ok(!text.includes(sink), `${file} uses ${sink}`);
      }
      assert.doesNotMatch(text, /setAttribute\(\s*'style'/, `${file} sets a style attribute`);
      assert.doesNotMatch(
        text,
        /allow-(scripts|same-origin|popups|top-navigation|forms)/,
        `${file} relaxes a sandbox`,
      );
    }
  });

  it('finds its files from the tsc build in dist/ as well as from src/', () => {
    const fromSrc = findConsoleAssets(new URL('../../src/console/static-files.ts', import.meta.url).href);
    const fromDist = findConsoleAssets(new URL('../../dist/console/static-files.js', import.meta.url).href);
    assert.equal(fromSrc, ASSETS);
    assert.equal(fromDist, ASSETS);
    assert.equal(findConsoleAssets('file:///nowhere/console/static-files.js'), null);
  });
});
