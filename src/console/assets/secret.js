// Shows a secret (a generated password, a new API key) once, with a copy button: Petrel keeps only a
// hash, so this is the only time anyone can read it.
import { announce, h, uid } from './dom.js';

async function copyText(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    // No async clipboard (plain http on a non-local host): fall back to the selection.
    input.select();
    return document.execCommand('copy');
  }
}

export function secretPanel({ heading, label, value, note }) {
  const id = uid('secret');
  const input = h('input', { id, type: 'text', readonly: true, class: 'secret', spellcheck: 'false' });
  input.value = value;
  const status = h('span', { class: 'copy-status', role: 'status' });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: async () => {
        const ok = await copyText(input);
        status.textContent = ok ? 'Copied' : 'Copy failed: select the text and copy it';
        announce(status.textContent);
      },
    },
    'Copy',
  );
  return h(
    'section',
    { class: 'secret-panel', 'aria-labelledby': `${id}-heading` },
    h('h2', { id: `${id}-heading`, tabindex: '-1' }, heading),
    h('p', {}, note),
    h('label', { for: id }, label),
    h('div', { class: 'secret-row' }, input, button, status),
  );
}
