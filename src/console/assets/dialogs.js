// A modal confirmation built on <dialog>: focus moves into it, Escape cancels, and focus returns to the
// control that opened it.
import { h } from './dom.js';

/** Resolves true when the user confirms, false when they cancel (button, Escape). */
export function confirmDialog({ title, message, confirmLabel, danger = true }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const titleId = 'confirm-title';
    const cancel = h('button', { type: 'button', class: 'secondary', value: 'cancel' }, 'Cancel');
    const confirm = h(
      'button',
      { type: 'button', class: danger ? 'danger' : 'primary', value: 'confirm' },
      confirmLabel,
    );
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      h('p', {}, message),
      h('div', { class: 'actions' }, cancel, confirm),
    );
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(answer);
    };
    cancel.addEventListener('click', () => finish(false));
    confirm.addEventListener('click', () => finish(true));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    // The safe choice has focus, so Enter alone never removes anything.
    cancel.focus();
  });
}
