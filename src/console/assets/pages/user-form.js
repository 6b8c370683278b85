// Add and edit an SMTP user: every field of SPEC §1.3, grouped as SMTP2GO's "Add an SMTP user" page
// groups them, with the API's validation errors shown next to the field they name.
import { api } from '../api.js';
import { announce, h } from '../dom.js';
import { footerPreview } from '../footer-preview.js';
import {
  checkbox,
  clearErrors,
  fieldset,
  formAlert,
  selectField,
  showApiError,
  textArea,
  textField,
  whileBusy,
} from '../form.js';
import { errorNotice, loadFailure } from '../notices.js';
import { secretPanel } from '../secret.js';

const BOUNCE_MODES = [
  { value: 'from', label: 'Return to the sender (from)' },
  { value: 'drop', label: 'Discard (drop)' },
  { value: 'address', label: 'Send to an address' },
];

const STATUSES = [
  { value: 'allowed', label: 'Allowed: sends normally' },
  { value: 'sandbox', label: 'Sandbox: accepted and held, never delivered' },
  { value: 'blocked', label: 'Blocked: may log in, may not send' },
];

async function loadPools() {
  try {
    return { pools: await api('/dedicated_ips/view') };
  } catch (error) {
    return { pools: [], error };
  }
}

function buildForm({ user, pools, poolError }) {
  const editing = user !== null;
  const u = user ?? {};
  const bounce = u.bounce_notifications ?? 'from';
  const bounceMode = bounce === 'from' || bounce === 'drop' ? bounce : 'address';
  const poolOptions = [{ value: '', label: 'None: send from the node’s default addresses' }].concat(
    pools.map((p) => ({ value: String(p.id), label: `${p.name} (${p.ip_addresses.join(', ')})` })),
  );
  if (u.ippool != null && !pools.some((p) => p.id === u.ippool)) {
    poolOptions.push({ value: String(u.ippool), label: `Pool ${u.ippool}` });
  }
  const preview = footerPreview();
  const alert = formAlert();
  const form = h(
    'form',
    { class: 'user-form', novalidate: true },
    alert,
    fieldset(
      'Credentials',
      textField({
        name: 'username',
        label: 'Username',
        value: u.username,
        required: !editing,
        readonly: editing,
        autocomplete: 'off',
        spellcheck: 'false',
        hint: editing
          ? 'The SMTP login; it cannot be changed.'
          : '5 to 100 characters: letters, digits and . _ @ + -. Unique across this Petrel installation.',
      }),
      textField({
        name: 'email_password',
        label: editing ? 'New password' : 'Password',
        type: 'password',
        autocomplete: 'new-password',
        hint: editing
          ? 'Leave blank to keep the current password.'
          : 'Leave blank and Petrel generates a strong one (shown once). Your own needs at least 64 bits of entropy.',
      }),
      textArea({ name: 'description', label: 'Description', value: u.description, rows: 2, maxlength: 1000 }),
    ),
    fieldset(
      'Rate limit',
      checkbox({ name: 'custom_ratelimit', label: 'Custom rate limit', checked: u.custom_ratelimit }),
      h(
        'div',
        { class: 'field-row' },
        textField({
          name: 'custom_ratelimit_value',
          label: 'Emails',
          type: 'number',
          min: 1,
          max: 2147483647,
          step: 1,
          inputmode: 'numeric',
          value: u.custom_ratelimit ? String(u.custom_ratelimit_value ?? '') : '',
        }),
        textField({
          name: 'custom_ratelimit_period',
          label: 'Per period',
          value: u.custom_ratelimit ? u.custom_ratelimit_period : '',
          hint: 'e.g. "0:30:00", "1 hour", "2 days", "3 months", "4 months 5:00:00".',
        }),
      ),
    ),
    fieldset(
      'IP pool',
      selectField({
        name: 'ip_pool',
        label: 'Dedicated IP pool',
        options: poolOptions,
        value: u.ippool == null ? '' : String(u.ippool),
        hint: poolError
          ? `The pools could not be loaded: ${poolError.message}`
          : pools.length === 0
            ? 'No pool is granted to this account (PETREL_IP_POOLS).'
            : null,
      }),
    ),
    fieldset(
      'Unsubscribe footer',
      checkbox({ name: 'feedback_enabled', label: 'Add an unsubscribe footer', checked: u.feedback_enabled }),
      textField({
        name: 'feedback_domain',
        label: 'Feedback domain',
        value: u.feedback_domain ?? 'default',
        hint: 'Keep "default": unsubscribe links always use this node’s public URL.',
      }),
      textArea({
        name: 'feedback_html',
        label: 'HTML footer',
        value: u.feedback_html,
        rows: 4,
        spellcheck: 'false',
        hint: 'Variables: %%UNSUBSCRIBE%% (the unsubscribe link) and %%EMAIL%% (the recipient). Blank: the built-in footer.',
      }),
      textArea({
        name: 'feedback_text',
        label: 'Text footer',
        value: u.feedback_text,
        rows: 3,
        hint: 'Same variables; blank: the built-in footer.',
      }),
      preview.element,
    ),
    fieldset(
      'Tracking',
      checkbox({ name: 'open_tracking_enabled', label: 'Open tracking', checked: u.open_tracking_enabled }),
      checkbox({
        name: 'click_tracking_enabled',
        label: 'Click tracking',
        checked: u.click_tracking_enabled,
      }),
    ),
    fieldset(
      'Archiving',
      checkbox({ name: 'archive_enabled', label: 'Archive every message', checked: u.archive_enabled }),
    ),
    fieldset(
      'Audit copy',
      textField({
        name: 'audit_email',
        label: 'BCC every message to',
        value: u.audit_email ?? '',
        type: 'text',
        autocomplete: 'off',
        hint: 'Up to 10 addresses, separated by commas. Blank: no audit copy.',
      }),
    ),
    fieldset(
      'Bounce notifications',
      selectField({ name: 'bounce_mode', label: 'Send bounces', options: BOUNCE_MODES, value: bounceMode }),
      textField({
        name: 'bounce_address',
        label: 'Bounce address',
        type: 'email',
        value: bounceMode === 'address' ? bounce : '',
        autocomplete: 'off',
      }),
    ),
    fieldset(
      'Status',
      selectField({ name: 'status', label: 'Status', options: STATUSES, value: u.status ?? 'allowed' }),
    ),
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'button secondary', href: '#/users' }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary' }, editing ? 'Save changes' : 'Add SMTP user'),
    ),
  );

  const el = (name) => form.elements.namedItem(name);
  const sync = () => {
    const limited = el('custom_ratelimit').checked;
    el('custom_ratelimit_value').disabled = !limited;
    el('custom_ratelimit_period').disabled = !limited;
    el('bounce_address').closest('.field').hidden = el('bounce_mode').value !== 'address';
    preview.update({
      enabled: el('feedback_enabled').checked,
      html: el('feedback_html').value,
      textTemplate: el('feedback_text').value,
    });
  };
  form.addEventListener('input', sync);
  form.addEventListener('change', sync);
  sync();
  return { form, alert, preview };
}

/** The request body from the form; a blank password means "generate" (add) or "keep" (edit). */
function readForm(form, editing) {
  const el = (name) => form.elements.namedItem(name);
  const body = {
    username: el('username').value.trim(),
    description: el('description').value,
    custom_ratelimit: el('custom_ratelimit').checked,
    ip_pool: el('ip_pool').value === '' ? null : Number(el('ip_pool').value),
    feedback_enabled: el('feedback_enabled').checked,
    feedback_domain: el('feedback_domain').value,
    feedback_html: el('feedback_html').value,
    feedback_text: el('feedback_text').value,
    open_tracking_enabled: el('open_tracking_enabled').checked,
    click_tracking_enabled: el('click_tracking_enabled').checked,
    archive_enabled: el('archive_enabled').checked,
    bounce_notifications:
      el('bounce_mode').value === 'address' ? el('bounce_address').value.trim() : el('bounce_mode').value,
    status: el('status').value,
  };
  const password = el('email_password').value;
  if (password !== '') body.email_password = password;
  if (body.custom_ratelimit) {
    const raw = el('custom_ratelimit_value').value.trim();
    // Sent as typed when it is not a number, so the API's message names the field and the value.
    body.custom_ratelimit_value = raw === '' ? null : Number.isFinite(Number(raw)) ? Number(raw) : raw;
    body.custom_ratelimit_period = el('custom_ratelimit_period').value;
  }
  const audit = el('audit_email').value.trim();
  if (audit !== '' || editing) body.audit_email = audit;
  return body;
}

function fieldAliases(form) {
  const addressMode = form.elements.namedItem('bounce_mode').value === 'address';
  return { comments: 'description', bounce_notifications: addressMode ? 'bounce_address' : 'bounce_mode' };
}

function passwordShown(ctx, user, heading) {
  const panel = secretPanel({
    heading,
    label: `Password for ${user.username}`,
    value: user.email_password,
    note: 'This is the only time Petrel shows this password: it keeps only a hash. Copy it into the sending application now.',
  });
  ctx.main.replaceChildren(
    ctx.heading(`SMTP user ${user.username}`),
    panel,
    h(
      'div',
      { class: 'actions' },
      h('a', { class: 'button primary', href: '#/users' }, 'Done: back to SMTP users'),
      h(
        'a',
        { class: 'button secondary', href: `#/users/edit/${encodeURIComponent(user.username)}` },
        'Edit this user',
      ),
    ),
  );
  panel.querySelector('h2').focus();
  announce(heading);
}

async function renderForm(ctx, user) {
  const editing = user !== null;
  const { pools, error: poolError } = await loadPools();
  if (!ctx.isCurrent()) return;
  const { form, alert } = buildForm({ user, pools, poolError });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    await whileBusy(form, async () => {
      try {
        const data = await api(editing ? '/users/smtp/edit' : '/users/smtp/add', readForm(form, editing));
        const saved = data.results[0];
        if (saved.email_password) {
          passwordShown(
            ctx,
            saved,
            editing ? `New password for ${saved.username}` : `SMTP user ${saved.username} added`,
          );
        } else {
          announce(`Saved ${saved.username}`);
          ctx.navigate('users');
        }
      } catch (error) {
        showApiError(form, alert, error, fieldAliases(form));
      }
    });
  });
  ctx.main.append(form);
}

export async function renderAdd(ctx) {
  ctx.main.append(ctx.heading('Add SMTP user'));
  await renderForm(ctx, null);
}

export async function renderEdit(ctx) {
  const username = ctx.params.username;
  ctx.main.append(ctx.heading(`Edit SMTP user ${username}`));
  let data;
  try {
    data = await api('/users/smtp/view', { username });
  } catch (error) {
    if (ctx.isCurrent()) ctx.main.append(loadFailure(error, 'The SMTP user'));
    return;
  }
  if (!ctx.isCurrent()) return;
  const user = data.results[0];
  if (!user) {
    ctx.main.append(errorNotice({ message: `There is no SMTP user '${username}' in this account.` }));
    return;
  }
  await renderForm(ctx, user);
}
