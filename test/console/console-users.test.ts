// The SMTP-users pages in a real browser against a real node: sign in, add a user with a custom rate
// limit and a footer (the period's validation error shown next to its field), the generated password
// shown once, edit, block, remove after a confirmation, and the username filter with "load more".
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startTestNode, type TestNode } from '../helpers/node.js';
import { dialogue } from '../smtp/clients.js';
import { openBrowser, screenshots, signIn, skipWithoutChromium, type Browser } from './browser.js';

const POOLS = JSON.stringify([
  { id: 1, name: 'Main Pool', ip_addresses: ['127.0.0.2'], ehlo: 'mta1.example', accounts: '*' },
]);

// Tests read arbitrary fields of the stored user.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function viewUser(node: TestNode, username: string): Promise<any> {
  const answer = await node.call('/users/smtp/view', { username });
  assert.equal(answer.status, 200);
  return answer.body.data.results[0];
}

/** The error paragraph a control points to through aria-describedby. */
async function describedError(page: Page, label: string): Promise<string> {
  const control = page.getByLabel(label, { exact: true });
  assert.equal(await control.getAttribute('aria-invalid'), 'true');
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ');
  const errorId = ids.find((id) => id.endsWith('-error'));
  assert.ok(errorId, `no error id in aria-describedby of ${label}`);
  const error = page.locator(`[id="${errorId}"]`);
  assert.ok(await error.isVisible());
  // "Next to the field": the error sits in the same field wrapper as the control.
  const controlId = (await control.getAttribute('id')) ?? '';
  const wrapper = page.locator('div.field').filter({ has: page.locator(`[id="${controlId}"]`) });
  assert.equal(await wrapper.locator(`[id="${errorId}"]`).count(), 1, 'the error is not beside its control');
  return (await error.textContent()) ?? '';
}

describe('console: SMTP users', { skip: skipWithoutChromium }, () => {
  let node: TestNode;
  let browser: Browser;
  let page: Page;
  let password = '';

  before(async () => {
    node = await startTestNode({ PETREL_IP_POOLS: POOLS });
    browser = await openBrowser();
    page = browser.page;
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: node.httpUrl });
  });
  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('signs in with an API key kept in sessionStorage only, refusing an unknown key', async () => {
    await page.goto(`${node.httpUrl}/`);
    await page.getByRole('heading', { name: 'Sign in to Petrel' }).waitFor();
    await screenshots(page, 'sign-in');
    await page.getByLabel('API key', { exact: true }).fill(`api-${'0'.repeat(32)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Petrel did not accept this API key.').waitFor();
    assert.match(await describedError(page, 'API key'), /did not accept/);

    await signIn(page, node);
    const stored = await page.evaluate<{ session: string | null; local: number; cookie: string }>(
      '({ session: sessionStorage.getItem("petrel.apiKey"), local: localStorage.length, cookie: document.cookie })',
    );
    assert.deepEqual(stored, { session: node.masterKey, local: 0, cookie: '' });
    assert.deepEqual(await browser.cspViolations(), []);
  });

  it('adds a user with a custom rate limit and a footer, showing the bad period next to its field', async () => {
    await page.getByRole('link', { name: 'Add SMTP user' }).click();
    await page.getByRole('heading', { level: 1, name: 'Add SMTP user' }).waitFor();
    await page.getByLabel('Username', { exact: true }).fill('acme-web');
    await page.getByLabel('Description', { exact: true }).fill('The web shop');
    await page.getByLabel('Custom rate limit', { exact: true }).check();
    await page.getByLabel('Emails', { exact: true }).fill('500');
    await page.getByLabel('Per period', { exact: true }).fill('1 fortnight');
    await page
      .getByLabel('Dedicated IP pool', { exact: true })
      .selectOption({ label: 'Main Pool (127.0.0.2)' });
    await page.getByLabel('Add an unsubscribe footer', { exact: true }).check();
    await page
      .getByLabel('HTML footer', { exact: true })
      .fill('<p class="foot">Sent to %%EMAIL%%. <a href="%%UNSUBSCRIBE%%">Unsubscribe</a></p>');
    await page.getByLabel('Text footer', { exact: true }).fill('Sent to %%EMAIL%%; leave: %%UNSUBSCRIBE%%');
    await page.getByLabel('Open tracking', { exact: true }).check();
    await page.getByLabel('BCC every message to', { exact: true }).fill('audit@example.com');
    await page.getByLabel('Send bounces', { exact: true }).selectOption('address');
    await page.getByLabel('Bounce address', { exact: true }).fill('bounces@example.com');

    // The live preview substitutes the example values, in a frame that may run nothing.
    const frame = page.frameLocator('iframe[title="HTML footer preview"]');
    await frame.getByText('Sent to recipient@example.com.').waitFor();
    assert.equal(
      await frame.getByRole('link', { name: 'Unsubscribe' }).getAttribute('href'),
      'https://petrel.example/t/u/EXAMPLE-TOKEN',
    );
    assert.equal(await page.locator('iframe[title="HTML footer preview"]').getAttribute('sandbox'), '');
    assert.match(
      (await page.getByLabel('Text footer preview', { exact: true }).textContent()) ?? '',
      /Sent to recipient@example\.com; leave: https:\/\/petrel\.example\/t\/u\/EXAMPLE-TOKEN/,
    );
    await screenshots(page, 'user-add');

    await page.getByRole('button', { name: 'Add SMTP user' }).click();
    await page.getByText("found '1 fortnight'").waitFor();
    const error = await describedError(page, 'Per period');
    assert.match(error, /custom_ratelimit_period/);
    assert.equal(await page.evaluate('document.activeElement.name'), 'custom_ratelimit_period');
    assert.equal(await viewUser(node, 'acme-web'), undefined, 'nothing was added');
    await screenshots(page, 'user-add-error');

    await page.getByLabel('Per period', { exact: true }).fill('2 hours');
    await page.getByRole('button', { name: 'Add SMTP user' }).click();
    await page.getByRole('heading', { name: 'SMTP user acme-web added' }).waitFor();
    assert.equal(await page.getByLabel('Per period', { exact: true }).count(), 0, 'the form is gone');
    password = await page.getByLabel('Password for acme-web', { exact: true }).inputValue();
    assert.match(password, /^[A-Za-z0-9]{24}$/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.locator('.copy-status').getByText('Copied', { exact: true }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), password);
    await screenshots(page, 'user-password');

    const user = await viewUser(node, 'acme-web');
    assert.equal(user.description, 'The web shop');
    assert.equal(user.custom_ratelimit, true);
    assert.equal(user.custom_ratelimit_value, 500);
    assert.equal(user.custom_ratelimit_period, '2:00:00');
    assert.equal(user.ippool, 1);
    assert.equal(user.feedback_enabled, true);
    assert.equal(
      user.feedback_html,
      '<p class="foot">Sent to %%EMAIL%%. <a href="%%UNSUBSCRIBE%%">Unsubscribe</a></p>',
    );
    assert.equal(user.feedback_text, 'Sent to %%EMAIL%%; leave: %%UNSUBSCRIBE%%');
    assert.equal(user.open_tracking_enabled, true);
    assert.equal(user.click_tracking_enabled, false);
    assert.equal(user.audit_email, 'audit@example.com');
    assert.equal(user.bounce_notifications, 'bounces@example.com');
    assert.equal(user.status, 'allowed');
    assert.equal(user.email_password, null, 'the password is shown only once');
  });

  it('showed the password Petrel stored: it logs in over SMTP', async () => {
    const result = await dialogue(node.smtp.ports.smtp[0] as number, [
      { do: 'ehlo' },
      { do: 'auth', user: 'acme-web', password },
    ]);
    assert.equal(result.steps[1]?.code, 235);
  });

  it('edits the user in a form filled with its stored values', async () => {
    await page.getByRole('link', { name: 'Done: back to SMTP users' }).click();
    await page.getByRole('link', { name: 'Edit acme-web' }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit SMTP user acme-web' }).waitFor();
    assert.equal(await page.getByLabel('Username', { exact: true }).getAttribute('readonly'), '');
    assert.equal(await page.getByLabel('Emails', { exact: true }).inputValue(), '500');
    assert.equal(await page.getByLabel('Per period', { exact: true }).inputValue(), '2:00:00');
    assert.equal(await page.getByLabel('Dedicated IP pool', { exact: true }).inputValue(), '1');
    assert.equal(
      await page.getByLabel('Bounce address', { exact: true }).inputValue(),
      'bounces@example.com',
    );
    assert.ok(await page.getByLabel('Open tracking', { exact: true }).isChecked());
    await page.getByLabel('Description', { exact: true }).fill('The web shop, EU');
    await page.getByLabel('Emails', { exact: true }).fill('750');
    await page.getByLabel('Click tracking', { exact: true }).check();
    await page.getByLabel('Send bounces', { exact: true }).selectOption('drop');
    await screenshots(page, 'user-edit');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { level: 1, name: 'SMTP users' }).waitFor();

    const user = await viewUser(node, 'acme-web');
    assert.equal(user.description, 'The web shop, EU');
    assert.equal(user.custom_ratelimit_value, 750);
    assert.equal(user.custom_ratelimit_period, '2:00:00');
    assert.equal(user.click_tracking_enabled, true);
    assert.equal(user.bounce_notifications, 'drop');
    assert.equal(
      user.feedback_html,
      '<p class="foot">Sent to %%EMAIL%%. <a href="%%UNSUBSCRIBE%%">Unsubscribe</a></p>',
    );
  });

  it('blocks the user from the list', async () => {
    const row = page.getByRole('row').filter({ hasText: 'acme-web' });
    await row.getByRole('button', { name: 'Block acme-web' }).click();
    await row.getByRole('button', { name: 'Allow acme-web' }).waitFor();
    assert.equal(await row.locator('.badge').textContent(), 'blocked');
    const user = await viewUser(node, 'acme-web');
    assert.equal(user.status, 'blocked');
    assert.equal(user.sending_allowed, false);
    await screenshots(page, 'users-list');
  });

  it('removes the user only once the confirmation is accepted', async () => {
    const row = page.getByRole('row').filter({ hasText: 'acme-web' });
    await row.getByRole('button', { name: 'Remove acme-web' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove SMTP user acme-web?' });
    await dialog.waitFor();
    await screenshots(page, 'user-remove-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.ok(await viewUser(node, 'acme-web'), 'cancel keeps the user');

    await row.getByRole('button', { name: 'Remove acme-web' }).click();
    await dialog.getByRole('button', { name: 'Remove user' }).click();
    await page.getByText('Removed acme-web.').waitFor();
    assert.equal(await page.getByRole('row').filter({ hasText: 'acme-web' }).count(), 0);
    assert.equal(await viewUser(node, 'acme-web'), undefined);
    assert.deepEqual(await browser.cspViolations(), []);
  });

  it('filters the loaded users by username and loads the next page with continue_token', async () => {
    // One more than the console's page of 50, so the list needs a second request.
    for (let i = 0; i < 51; i += 1) {
      const username = `${i % 2 === 0 ? 'shop' : 'news'}-${String(i).padStart(2, '0')}`;
      const answer = await node.call('/users/smtp/add', { username });
      assert.equal(answer.status, 200);
    }
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'SMTP users' }).waitFor();
    const rows = page.locator('tbody tr:not([hidden])');
    const count = page.locator('p.count');
    await count.getByText('50 users loaded; more on the server').waitFor();
    assert.equal(await rows.count(), 50);
    await page.getByRole('button', { name: 'Load more' }).click();
    await count.getByText('51 users loaded', { exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Load more' }).isVisible(), false);

    await page.getByLabel('Filter by username', { exact: true }).fill('NEWS');
    await count.getByText('25 of 51 loaded users match “NEWS”').waitFor();
    assert.equal(await rows.count(), 25);
    for (const name of await rows.locator('td[data-label="Username"]').allTextContents()) {
      assert.match(name, /^news-/);
    }
  });
  it('is usable from the keyboard alone, with a visible focus ring', async () => {
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'SMTP users' }).waitFor();
    const reached: string[] = [];
    for (let i = 0; i < 24; i += 1) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate<{ tag: string; name: string; outline: string }>(
        '({ tag: document.activeElement.tagName, ' +
          'name: (document.activeElement.getAttribute("aria-label") || document.activeElement.textContent || ' +
          'document.activeElement.labels?.[0]?.textContent || "").trim(), ' +
          'outline: getComputedStyle(document.activeElement).outlineStyle })',
      );
      // Focus may pass through the document itself (before the first control).
      if (focused.tag === 'BODY') continue;
      reached.push(focused.name);
      assert.notEqual(focused.outline, 'none', `no focus ring on "${focused.name}"`);
    }
    for (const name of [
      'Skip to content',
      'SMTP users',
      'Sandbox',
      'Sign out',
      'Add SMTP user',
      'Filter by username',
    ]) {
      assert.ok(reached.includes(name), `Tab never reached "${name}": ${reached.join(' | ')}`);
    }
    assert.ok(
      reached.some((name) => name.startsWith('Remove ')),
      reached.join(' | '),
    );

    // The dialog opens from the keyboard, Escape cancels it, and focus returns to where it was.
    const remove = page.getByRole('button', { name: 'Remove news-01' });
    await remove.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Remove SMTP user news-01?' });
    await dialog.waitFor();
    assert.equal(
      await page.evaluate('document.activeElement.textContent'),
      'Cancel',
      'the safe choice has focus',
    );
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Remove news-01');
    assert.ok(await viewUser(node, 'news-01'), 'Escape removes nothing');
  });
});
