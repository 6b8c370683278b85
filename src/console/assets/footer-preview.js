// The unsubscribe footer's live preview: the templates with %%UNSUBSCRIBE%% and %%EMAIL%% replaced by
// example values, as Petrel substitutes them per recipient (HTML-escaped in HTML), blank = built-in.
import { DEFAULT_FOOTER } from './defaults.js';
import { h } from './dom.js';
import { messageFrame, setFrameHtml } from './message-frame.js';

export const EXAMPLE_UNSUBSCRIBE = 'https://petrel.example/t/u/EXAMPLE-TOKEN';
export const EXAMPLE_EMAIL = 'recipient@example.com';

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

function substitute(template, url, email) {
  // A function replacement, so "$&" in a value is taken literally (as the server does).
  return template.replace(/%%(UNSUBSCRIBE|EMAIL)%%/g, (_m, name) => (name === 'EMAIL' ? email : url));
}

export function renderFooterHtml(template) {
  const html = template.trim() === '' ? DEFAULT_FOOTER.html : template;
  return substitute(html, escapeHtml(EXAMPLE_UNSUBSCRIBE), escapeHtml(EXAMPLE_EMAIL));
}

export function renderFooterText(template) {
  const text = template.trim() === '' ? DEFAULT_FOOTER.text : template;
  return substitute(text, EXAMPLE_UNSUBSCRIBE, EXAMPLE_EMAIL);
}

/** The preview block; call update() with the form's current values whenever they change. */
export function footerPreview() {
  const frame = messageFrame({ title: 'HTML footer preview', className: 'footer-frame' });
  const text = h('pre', { class: 'footer-text', 'aria-label': 'Text footer preview' });
  const state = h('p', { class: 'hint', role: 'status' });
  const element = h(
    'div',
    { class: 'footer-preview' },
    h('h3', {}, 'Preview'),
    h(
      'p',
      { class: 'hint' },
      `Shown for an example recipient: %%EMAIL%% → ${EXAMPLE_EMAIL}, %%UNSUBSCRIBE%% → ${EXAMPLE_UNSUBSCRIBE}.`,
    ),
    state,
    h(
      'div',
      { class: 'preview-pair' },
      h('div', {}, h('h4', {}, 'HTML part'), frame),
      h('div', {}, h('h4', {}, 'Text part'), text),
    ),
  );
  let last = null;
  const update = ({ enabled, html, textTemplate }) => {
    // Called on every input in the form: the frame reloads only when the footer itself changed.
    const key = JSON.stringify([enabled, html, textTemplate]);
    if (key === last) return;
    last = key;
    const body = '<p>Hello,</p><p>This is where the message goes.</p>';
    setFrameHtml(frame, body + renderFooterHtml(html));
    text.textContent = `Hello,\n\nThis is where the message goes.\n\n${renderFooterText(textTemplate)}`;
    const builtIn =
      html.trim() === '' || textTemplate.trim() === ''
        ? " Blank templates use Petrel's built-in footer."
        : '';
    state.textContent = enabled
      ? `The footer is on: every recipient gets it.${builtIn}`
      : 'The footer is off: messages go out without it. Turn it on above to use these templates.';
  };
  return { element, update, frame, text };
}
