// Drives Debian's Chromium (/usr/bin/chromium) through playwright-core for the console's tests: a fresh
// profile per browser, screenshots at a narrow and a wide size, and sign-in with a node's key.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { TestNode } from '../helpers/node.js';

export const CHROMIUM = '/usr/bin/chromium';

/** node:test's `skip` option: a reason while Chromium is missing, so the suite says why it skipped. */
export const skipWithoutChromium: string | false = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install Debian's "chromium" package (apt-get install chromium) to run the console's browser tests`;

export const SCREENSHOT_DIR = join(process.cwd(), 'test-output', 'console');

export const NARROW = { width: 390, height: 844 };
export const WIDE = { width: 1280, height: 900 };

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Content-Security-Policy violations reported by the console's own document (not by its frames). */
  cspViolations(): Promise<string[]>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'petrel-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: WIDE,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // Runs through the DevTools protocol, which the page's CSP does not govern; only the top document's
  // listener is read, so violations inside a message frame (expected: they are the point) do not count.
  // A string, since the tests compile without the DOM library.
  await context.addInitScript({
    content:
      'window.__csp = []; document.addEventListener("securitypolicyviolation", ' +
      '(e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));',
  });
  // Long enough for a slow CI machine, short enough that one broken step does not stall the suite.
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    cspViolations: () => page.evaluate<string[]>('window.__csp'),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves `<name>-narrow.png` and `<name>-wide.png` (full page) and leaves the page at the wide size. */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const paths: string[] = [];
  for (const [label, size] of [
    ['narrow', NARROW],
    ['wide', WIDE],
  ] as const) {
    await page.setViewportSize(size);
    // Chromium paints an out-of-process frame (a sandboxed srcdoc) only once it has been on screen at
    // this size; an element screenshot scrolls it there and waits for that paint.
    for (const frame of await page.locator('iframe').all()) {
      if (await frame.isVisible()) await frame.screenshot();
    }
    const path = join(SCREENSHOT_DIR, `${name}-${label}.png`);
    await page.screenshot({ path, fullPage: true });
    paths.push(path);
  }
  return paths;
}

export async function signIn(page: Page, node: TestNode, key: string = node.masterKey): Promise<void> {
  await page.goto(`${node.httpUrl}/`);
  await page.getByLabel('API key', { exact: true }).fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'SMTP users' }).waitFor();
}

export interface StubAnswer {
  status?: number;
  data: unknown;
}

/**
 * Answers POST /v3<path> in the browser instead of the node, for endpoints another change is still
 * building (activity, sandbox): the page is exercised against SPEC's shapes whatever the node serves.
 * Returns the request bodies the page sent.
 */
export async function stubApi(
  page: Page,
  path: string,
  answer: (body: Record<string, unknown>) => StubAnswer,
): Promise<Record<string, unknown>[]> {
  const bodies: Record<string, unknown>[] = [];
  await page.route(
    (url) => url.pathname === `/v3${path}`,
    async (route) => {
      const body = (route.request().postDataJSON() ?? {}) as Record<string, unknown>;
      bodies.push(body);
      const { status = 200, data } = answer(body);
      await route.fulfill({
        status,
        contentType: 'application/json',
        body: JSON.stringify({ request_id: '00000000-0000-4000-8000-000000000000', data }),
      });
    },
  );
  return bodies;
}

/** SPEC §1.2's answer for an endpoint the node does not serve. */
export const ENDPOINT_NOT_FOUND: StubAnswer = {
  status: 404,
  data: { error: 'No such endpoint', error_code: 'E_ApiResponseCodes.ENDPOINT_NOT_FOUND' },
};
