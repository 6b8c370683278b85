// Email templates (/v3/template/*): the list, and an editor whose live preview renders the subject,
// HTML and text on the server (the console's /console/api/template/preview, the same Handlebars code
// as email/send) with sample template_data typed beside them; the HTML is shown in a sandboxed frame.
import { api, consoleApi } from '../api.js';
import { confirmDialog } from '../dialogs.js';
import { announce, dataTable, h } from '../dom.js';
import {
  clearErrors,
  clearFieldError,
  formAlert,
  showApiError,
  showFieldError,
  textArea,
  textField,
  whileBusy,
} from '../form.js';
import { messageFrame, setFrameHtml } from '../message-frame.js';
import { errorNotice, loadFailure } from '../notices.js';

const PAGE_SIZE = 100;
// Long enough not to render on every keystroke, short enough to feel live.
export const PREVIEW_DELAY_MS = 300;
const PARTS = ['subject', 'html_body', 'text_body'];
/** The template just added, for the edit page the add form opens next. */
let pendingNote = null;

export async function renderList(ctx) {
  const messages = h('div', {});
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const status = h('p', { class: 'count', role: 'status' });
  let continueToken = null;
  const columns = [
    { label: 'Id', cell: (t) => h('a', { href: `#/templates/edit/${encodeURIComponent(t.id)}` }, t.id) },
    { label: 'Name', cell: (t) => t.name },
    { label: 'Subject', cell: (t) => t.subject },
    { label: 'Updated (UTC)', cell: (t) => t.last_updated },
    { label: 'Actions', class: 'actions-cell', cell: (t) => deleteButton(t) },
  ];
  const table = dataTable({ caption: 'Templates', columns, rows: [], empty: 'No templates yet.' });

  function deleteButton(template) {
    return h(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: async () => {
          const ok = await confirmDialog({
            title: `Delete the template ${template.id}?`,
            message:
              'email/send calls naming this template_id will be refused (400) until one is added again.',
            confirmLabel: 'Delete template',
          });
          if (!ok) return;
          try {
            await api('/template/delete', { id: template.id });
            messages.replaceChildren(
              h('p', { class: 'success', role: 'status' }, `Deleted the template ${template.id}.`),
            );
            continueToken = null;
            table.tbody.replaceChildren();
            await loadPage();
          } catch (error) {
            messages.replaceChildren(errorNotice(error));
          }
        },
      },
      'Delete',
      h('span', { class: 'visually-hidden' }, ` ${template.id}`),
    );
  }

  async function loadPage() {
    const body = { page_size: PAGE_SIZE, sort_direction: 'asc' };
    if (continueToken) body.continue_token = continueToken;
    const data = await api('/template/search', body);
    continueToken = data.continue_token ?? null;
    table.addRows(data.templates);
    more.hidden = !continueToken;
    status.textContent = `${data.total_count} template${data.total_count === 1 ? '' : 's'}`;
  }

  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      await loadPage();
    } catch (error) {
      messages.replaceChildren(errorNotice(error));
    } finally {
      more.disabled = false;
    }
  });

  ctx.main.append(
    h(
      'div',
      { class: 'page-head' },
      ctx.heading('Templates'),
      h('a', { class: 'button primary', href: '#/templates/new' }, 'Add template'),
    ),
  );
  try {
    await loadPage();
  } catch (error) {
    if (ctx.isCurrent()) ctx.main.append(loadFailure(error, 'The template list'));
    return;
  }
  if (!ctx.isCurrent()) return;
  ctx.main.append(status, messages, table.element, h('div', { class: 'actions' }, more));
}

export function renderAdd(ctx) {
  ctx.main.append(h('div', { class: 'page-head' }, ctx.heading('Add a template')));
  editor(ctx, null);
}

export async function renderEdit(ctx) {
  const id = ctx.params.id;
  ctx.main.append(h('div', { class: 'page-head' }, ctx.heading(`Template ${id}`)));
  let template;
  try {
    template = await api('/template/view', { id });
  } catch (error) {
    if (ctx.isCurrent()) ctx.main.append(loadFailure(error, 'The template'));
    return;
  }
  if (!ctx.isCurrent()) return;
  editor(ctx, template);
  if (pendingNote?.id === template.id) ctx.main.querySelector('form').prepend(savedNote(pendingNote));
  pendingNote = null;
}

/** The live preview: the rendered subject, the HTML in a sandboxed frame, the text; errors inline. */
function previewPanel() {
  const subject = h('p', { class: 'preview-subject', 'aria-label': 'Rendered subject' });
  const frame = messageFrame({ title: 'Rendered HTML body' });
  const text = h('pre', { 'aria-label': 'Rendered text body' });
  const state = h('p', { class: 'hint', role: 'status' });
  const problem = h('div', { class: 'alert', role: 'alert', hidden: true });
  const element = h(
    'section',
    { class: 'template-preview card', 'aria-labelledby': 'template-preview-title' },
    h('h2', { id: 'template-preview-title' }, 'Preview'),
    state,
    problem,
    h('h3', {}, 'Subject'),
    subject,
    h('h3', {}, 'HTML body'),
    frame,
    h('h3', {}, 'Text body'),
    text,
  );
  return {
    element,
    frame,
    show(parts) {
      problem.hidden = true;
      subject.textContent = parts.subject;
      setFrameHtml(frame, parts.html_body);
      text.textContent = parts.text_body;
      state.textContent = 'Rendered with the sample data, as email/send will render it.';
    },
    fail(message) {
      // The last good rendering stays in view; the problem is said above it.
      problem.textContent = message;
      problem.hidden = false;
      state.textContent = 'The preview shows the last version that rendered.';
    },
  };
}

function editor(ctx, template) {
  const adding = template === null;
  const alert = formAlert();
  const preview = previewPanel();
  const variables = template?.template_variables ?? {};
  const form = h(
    'form',
    { class: 'card', novalidate: true, 'aria-label': adding ? 'New template' : `Template ${template.id}` },
    alert,
    textField({ name: 'template_name', label: 'Name', value: template?.name ?? '', autocomplete: 'off' }),
    textField({
      name: 'id',
      label: 'Template id',
      value: template?.id ?? '',
      autocomplete: 'off',
      spellcheck: 'false',
      readonly: !adding,
      hint: adding
        ? 'What email/send names it by (template_id): letters, digits, dot, underscore and hyphen.'
        : 'What email/send names it by (template_id).',
    }),
    textField({
      name: 'subject',
      label: 'Subject',
      value: template?.subject ?? '',
      autocomplete: 'off',
      hint: 'Handlebars: {{name}} is replaced by the value of name.',
    }),
    textArea({
      name: 'html_body',
      label: 'HTML body',
      rows: 10,
      spellcheck: 'false',
      value: template?.html_body ?? '',
      hint: '{{value}} is HTML-escaped; {{{value}}} inserts it as HTML.',
    }),
    textArea({ name: 'text_body', label: 'Text body', rows: 6, value: template?.text_body ?? '' }),
    textArea({
      name: 'template_data',
      label: 'Sample template_data (JSON)',
      rows: 5,
      spellcheck: 'false',
      value: JSON.stringify(variables, null, 2),
      hint: "For the preview only (not saved): values as email/send's template_data takes them, over the template's defaults.",
    }),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, adding ? 'Add template' : 'Save changes'),
      h('a', { class: 'button secondary', href: '#/templates' }, 'Back to templates'),
    ),
  );
  const value = (name) => form.elements.namedItem(name).value;

  let timer = null;
  let sequence = 0;
  async function refresh() {
    sequence += 1;
    const mine = sequence;
    const body = { template_variables: variables, template_data: value('template_data') };
    for (const part of PARTS) body[part] = value(part);
    try {
      const parts = await consoleApi('/template/preview', body);
      if (mine !== sequence) return;
      for (const name of [...PARTS, 'template_data']) clearFieldError(form, name);
      preview.show(parts);
      form.dataset.previewed = String(mine);
    } catch (error) {
      if (mine !== sequence) return;
      for (const name of [...PARTS, 'template_data']) clearFieldError(form, name);
      // Named next to its field without taking the caret away, and above the preview.
      if (error.fieldname) showFieldError(form, error.fieldname, error.message, { focus: false });
      preview.fail(error.message);
      form.dataset.previewed = String(mine);
    }
  }
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), PREVIEW_DELAY_MS);
  };
  form.addEventListener('input', (event) => {
    if ([...PARTS, 'template_data'].includes(event.target.name)) schedule();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = { template_name: value('template_name'), id: value('id').trim() };
    for (const part of PARTS) body[part] = value(part);
    await whileBusy(form, async () => {
      try {
        const saved = await api(adding ? '/template/add' : '/template/edit', body);
        announce(adding ? `Added the template ${saved.id}` : 'Saved');
        if (adding) {
          // The edit page it opens says so: the note survives the navigation.
          pendingNote = saved;
          ctx.navigate(`templates/edit/${encodeURIComponent(saved.id)}`);
        } else {
          form.prepend(savedNote(saved));
        }
      } catch (error) {
        showApiError(form, alert, error);
      }
    });
  });

  ctx.main.append(h('div', { class: 'template-editor' }, form, preview.element));
  void refresh();
}

/** The "Saved" line above the form, replaced at each save. */
function savedNote(saved) {
  document.getElementById('template-saved')?.remove();
  return h(
    'p',
    { class: 'success', role: 'status', id: 'template-saved' },
    `Saved the template ${saved.id} (${saved.last_updated} UTC).`,
  );
}
