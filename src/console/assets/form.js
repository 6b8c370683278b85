// Labelled form controls and the display of the API's validation errors next to the field they name
// (aria-invalid + aria-describedby), so every control has a <label> and every error is announced.
import { h, uid } from './dom.js';

function describedBy(...ids) {
  const list = ids.filter(Boolean).join(' ');
  return list === '' ? null : list;
}

/** The wrapper every control sits in: label, control, hint, and a slot for the API's error. */
function wrap({ id, label, hint, control, className = 'field' }) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  control.setAttribute('id', id);
  const by = describedBy(hintId);
  if (by) control.setAttribute('aria-describedby', by);
  control.dataset.hintId = hintId ?? '';
  control.dataset.errorId = errorId;
  const labelEl = h('label', { for: id }, label);
  const parts =
    control.type === 'checkbox' ? [h('span', { class: 'check' }, control, labelEl)] : [labelEl, control];
  return h(
    'div',
    { class: className },
    parts,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h('p', { class: 'field-error', id: errorId, hidden: true }),
  );
}

export function textField({ name, label, value = '', hint, type = 'text', ...attrs }) {
  const control = h('input', { name, type, ...attrs });
  control.value = value ?? '';
  return wrap({ id: uid(`f-${name}`), label, hint, control });
}

export function textArea({ name, label, value = '', hint, rows = 4, ...attrs }) {
  const control = h('textarea', { name, rows, ...attrs });
  control.value = value ?? '';
  return wrap({ id: uid(`f-${name}`), label, hint, control });
}

export function checkbox({ name, label, checked = false, hint }) {
  const control = h('input', { name, type: 'checkbox' });
  control.checked = Boolean(checked);
  return wrap({ id: uid(`f-${name}`), label, hint, control, className: 'field field-check' });
}

/** options: [{ value, label }]; `value` picks the selected one. */
export function selectField({ name, label, options, value = '', hint }) {
  const control = h(
    'select',
    { name },
    options.map((o) => h('option', { value: o.value }, o.label)),
  );
  control.value = value ?? '';
  return wrap({ id: uid(`f-${name}`), label, hint, control });
}

export function fieldset(legend, ...children) {
  return h('fieldset', {}, h('legend', {}, legend), children);
}

/** The form-level message for errors that name no field of this form (or no field at all). */
export function formAlert() {
  return h('div', { class: 'alert', role: 'alert', tabindex: '-1', hidden: true });
}

export function showAlert(alert, message) {
  alert.textContent = message;
  alert.hidden = false;
}

export function clearErrors(form) {
  for (const control of form.querySelectorAll('[aria-invalid="true"]')) clearControl(control);
  for (const error of form.querySelectorAll('.field-error')) {
    error.textContent = '';
    error.hidden = true;
  }
  for (const alert of form.querySelectorAll('.alert')) alert.hidden = true;
}

/** Clears the error of the one control named `name` (a live check's), leaving the others. */
export function clearFieldError(form, name) {
  const control = form.elements.namedItem(name);
  if (control instanceof HTMLElement && control.dataset.errorId) clearControl(control);
}

function clearControl(control) {
  control.removeAttribute('aria-invalid');
  const by = describedBy(control.dataset.hintId);
  if (by) control.setAttribute('aria-describedby', by);
  else control.removeAttribute('aria-describedby');
  const error = document.getElementById(control.dataset.errorId);
  if (error) {
    error.textContent = '';
    error.hidden = true;
  }
}

/**
 * Puts `message` next to the control named `name` and focuses it (unless `focus` is false: a live
 * check while the user types must not move the caret). Returns false when the form has no such
 * control (the caller then shows the message at the top of the form).
 */
export function showFieldError(form, name, message, { focus = true } = {}) {
  const control = form.elements.namedItem(name);
  if (!(control instanceof HTMLElement) || !control.dataset.errorId) return false;
  const error = document.getElementById(control.dataset.errorId);
  error.textContent = message;
  error.hidden = false;
  control.setAttribute('aria-invalid', 'true');
  control.setAttribute('aria-describedby', describedBy(control.dataset.errorId, control.dataset.hintId));
  if (focus) control.focus();
  return true;
}

/** Shows an API failure on a form: next to its field when the API named one, else at the top. */
export function showApiError(form, alert, error, fieldAliases = {}) {
  clearErrors(form);
  const field = error.fieldname ? (fieldAliases[error.fieldname] ?? error.fieldname) : null;
  if (field && showFieldError(form, field, error.message)) return;
  showAlert(alert, error.message);
  alert.focus();
}

/** Disables the submit button while a request runs, so a double click cannot add a user twice. */
export async function whileBusy(form, work) {
  const buttons = [...form.querySelectorAll('button[type="submit"]')];
  form.setAttribute('aria-busy', 'true');
  for (const b of buttons) b.disabled = true;
  try {
    return await work();
  } finally {
    form.removeAttribute('aria-busy');
    for (const b of buttons) b.disabled = false;
  }
}
