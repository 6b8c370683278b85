// The Templates page in a real browser against a real node (SPEC §8): a template is written in the
// editor while its live preview (rendered by the node with the same Handlebars code as email/send, shown
// in a sandboxed frame) follows the typing with values HTML-escaped; template and JSON errors are shown
// inline; the template is saved, edited, sent through email/send to a real SMTP sink, and deleted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import PostalMime from 'postal-mime';
import { TEMPLATE_PREVIEW_URL } from '../../src/console/template-preview.js';
import { receivedBy, startFarTestWorld, type DeliveryWorld } from '../e2e/delivery-world.js';
import { openBrowser, screenshots, signIn, skipWithoutChromium, type Browser } from './browser.js';

let world: DeliveryWorld;

before(async () => {
  world = await startFarTestWorld();
});
after(() => world.stop());

async function preview(body: unknown, key: string | null = world.node.masterKey) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers['x-smtp2go-api-key'] = key;
  const response = await fetch(`${world.node.httpUrl}${TEMPLATE_PREVIEW_URL}`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { data: Record<string, unknown> } };
}

const PARTS = { subject: 'Hi {{name}}', html_body: '<p>{{name}}</p>', text_body: '{{name}}' };

describe('the console template preview route', () => {
  it('renders as email/send does: escaped in HTML only, data over the defaults', async () => {
    const answer = await preview({
      ...PARTS,
      template_variables: { name: 'default' },
      template_data: JSON.stringify({ name: 'A & <B>' }),
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.data, {
      subject: 'Hi A & <B>',
      html_body: '<p>A &amp; &lt;B&gt;</p>',
      text_body: 'A & <B>',
    });
    const defaults = await preview({ ...PARTS, template_variables: { name: 'default' } });
    assert.equal(defaults.body.data.text_body, 'default');
  });

  it('names the part or the data at fault', async () => {
    const broken = await preview({ ...PARTS, html_body: '<p>{{#if x}}</p>' });
    assert.equal(broken.status, 400);
    assert.equal((broken.body.data.field_validation_errors as { fieldname: string }).fieldname, 'html_body');
    const badJson = await preview({ ...PARTS, template_data: '{"name": ' });
    assert.equal(badJson.status, 400);
    assert.equal(
      (badJson.body.data.field_validation_errors as { fieldname: string }).fieldname,
      'template_data',
    );
  });

  it('needs a key allowed the template endpoints', async () => {
    assert.equal((await preview(PARTS, null)).status, 401);
    const add = async (endpoints: string[]) => {
      const answer = await world.node.call('/api_keys/add', { endpoints });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.data.api_key as string;
    };
    assert.equal((await preview(PARTS, await add(['/email/send']))).status, 403);
    assert.equal((await preview(PARTS, await add(['/template/*']))).status, 200);
  });
});

describe('console: templates', { skip: skipWithoutChromium }, () => {
  let browser: Browser;
  let page: Page;

  before(async () => {
    browser = await openBrowser();
    page = browser.page;
    await signIn(page, world.node);
  });
  after(async () => {
    await browser?.close();
  });

  const field = (label: string) => page.getByLabel(label, { exact: true });
  const frame = () => page.frameLocator('iframe.message-frame');
  const renderedSubject = () => page.getByLabel('Rendered subject', { exact: true });

  it('previews the template as it is typed, escaping values in the HTML', async () => {
    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('heading', { level: 1, name: 'Templates' }).waitFor();
    await page.getByText('No templates yet.').waitFor();
    await page.getByRole('link', { name: 'Add template' }).click();
    await page.getByRole('heading', { level: 1, name: 'Add a template' }).waitFor();

    await field('Name').fill('Receipt');
    await field('Template id').fill('receipt');
    await field('Sample template_data (JSON)').fill(
      JSON.stringify({ name: 'Alice & <Bob>', product: 'Tea "Earl Grey"', items: ['cup', 'pot'] }),
    );
    await field('Subject').fill('Receipt for {{product}}');
    await renderedSubject().filter({ hasText: 'Receipt for Tea "Earl Grey"' }).waitFor();
    // Typed key by key: the preview follows without a click.
    await field('Subject').pressSequentially(' today');
    await renderedSubject().filter({ hasText: 'Receipt for Tea "Earl Grey" today' }).waitFor();

    await field('HTML body').fill(
      '<h1>Hello {{name}}</h1><ul>{{#each items}}<li>{{this}}</li>{{/each}}</ul><p id="raw">{{{name}}}</p>',
    );
    await field('Text body').fill('Hello {{name}}, thanks for {{product}}.');
    await page
      .getByLabel('Rendered text body', { exact: true })
      .filter({ hasText: 'Hello Alice & <Bob>, thanks for Tea "Earl Grey".' })
      .waitFor();
    // Attached, not visible: Chromium lays out a sandboxed (out-of-process) frame lazily off screen.
    await frame().locator('h1', { hasText: 'Hello Alice & <Bob>' }).waitFor({ state: 'attached' });
    await frame().locator('li', { hasText: 'pot' }).waitFor({ state: 'attached' });
    assert.deepEqual(await frame().locator('li').allTextContents(), ['cup', 'pot']);
    // {{name}} was escaped: its "<Bob>" is text; {{{name}}} was not: "<Bob>" became an element.
    assert.equal(await frame().locator('h1 bob').count(), 0);
    assert.equal(await frame().locator('#raw bob').count(), 1);
    assert.equal(await page.locator('iframe.message-frame').getAttribute('sandbox'), '');
    await screenshots(page, 'template-editor');
  });

  it('shows errors in the template or the JSON inline, and recovers', async () => {
    const html = field('HTML body');
    await html.pressSequentially('{{#if');
    const problem = page.locator('.template-preview [role="alert"]');
    await problem.filter({ hasText: /The field 'html_body' is not a valid Handlebars template/ }).waitFor();
    assert.equal(await html.getAttribute('aria-invalid'), 'true');
    // One readable line saying what Handlebars expected, no stack trace.
    assert.match((await problem.textContent()) ?? '', /Parse error on line 1: Expecting .*, got '[A-Z_]+'$/);
    assert.doesNotMatch((await problem.textContent()) ?? '', /\n|\bat \S+ \(/);
    // The caret stays where the user types.
    assert.equal(await page.evaluate('document.activeElement.name'), 'html_body');
    await screenshots(page, 'template-error');
    for (let i = 0; i < 5; i++) await html.press('Backspace');
    await problem.waitFor({ state: 'hidden' });
    assert.equal(await html.getAttribute('aria-invalid'), null);

    const data = field('Sample template_data (JSON)');
    const good = await data.inputValue();
    await data.fill('{"name": ');
    await problem
      .filter({ hasText: /The field 'template_data' must be an object, or a JSON string/ })
      .waitFor();
    assert.equal(await data.getAttribute('aria-invalid'), 'true');
    await data.fill(good);
    await problem.waitFor({ state: 'hidden' });
  });

  it('saves the template, edits it, and it sends through email/send', async () => {
    await page.getByRole('button', { name: 'Add template' }).click();
    await page.getByRole('heading', { level: 1, name: 'Template receipt' }).waitFor();
    await page.getByText(/Saved the template receipt/).waitFor();
    const view = await world.node.call('/template/view', { id: 'receipt' });
    assert.equal(view.status, 200, JSON.stringify(view.body));
    assert.equal(view.body.data.name, 'Receipt');
    assert.equal(view.body.data.subject, 'Receipt for {{product}} today');

    // The edit page loads the stored template and previews it at once.
    assert.equal(await field('Template id').getAttribute('readonly'), '');
    await field('Sample template_data (JSON)').fill(JSON.stringify({ name: 'Zoë', product: 'Coffee' }));
    await renderedSubject().filter({ hasText: 'Receipt for Coffee today' }).waitFor();
    await field('Subject').fill('Your receipt for {{product}}');
    await renderedSubject().filter({ hasText: 'Your receipt for Coffee' }).waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText(/Saved the template receipt \(/).waitFor();
    await screenshots(page, 'template-edit');
    const edited = await world.node.call('/template/view', { id: 'receipt' });
    assert.equal(edited.body.data.subject, 'Your receipt for {{product}}');

    const sent = await world.node.call('/email/send', {
      sender: 'Shop <shop@sender.test>',
      to: ['dora@far.test'],
      template_id: 'receipt',
      template_data: { name: 'Dora & <Eve>', product: 'Tea', items: ['mug'] },
    });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const received = await receivedBy(world.peer('127.0.0.3'), 'dora@far.test');
    const email = await PostalMime.parse(received.data);
    assert.equal(email.subject, 'Your receipt for Tea');
    assert.equal(email.text?.trim(), 'Hello Dora & <Eve>, thanks for Tea.');
    assert.match(email.html ?? '', /<h1>Hello Dora &amp; &lt;Eve&gt;<\/h1><ul><li>mug<\/li><\/ul>/);
    assert.deepEqual(await browser.cspViolations(), []);
  });

  it('lists the template and deletes it after a confirmation', async () => {
    await page.getByRole('link', { name: 'Back to templates' }).click();
    const row = page.getByRole('row').filter({ hasText: 'receipt' });
    await row.getByText('Your receipt for {{product}}').waitFor();
    await screenshots(page, 'templates-list');
    await row.getByRole('button', { name: 'Delete receipt' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the template receipt?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await world.node.call('/template/view', { id: 'receipt' })).status, 200);
    await row.getByRole('button', { name: 'Delete receipt' }).click();
    await dialog.getByRole('button', { name: 'Delete template' }).click();
    await page.getByText('Deleted the template receipt.').waitFor();
    await page.getByText('No templates yet.').waitFor();
    assert.equal((await world.node.call('/template/view', { id: 'receipt' })).status, 400);
    assert.deepEqual(await browser.cspViolations(), []);
  });
});
