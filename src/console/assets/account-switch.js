// The header's account selector: a master key can act inside any of its subaccounts, and every page then
// sends that subaccount_id (SPEC §1.6). Hidden for keys that cannot list subaccounts.
import { api } from './api.js';
import { h } from './dom.js';
import { session } from './session.js';

let onSwitch = () => {};

export function setSwitchHandler(handler) {
  onSwitch = handler;
}

/** (Re)fills the selector from subaccounts/search; called after sign-in and after subaccount changes. */
export async function refreshAccounts() {
  const holder = document.getElementById('account-switch');
  if (!holder) return;
  let subaccounts = [];
  try {
    const data = await api('/subaccounts/search', { page_size: 1000 }, { scoped: false });
    subaccounts = data.subaccounts ?? [];
  } catch {
    // A subaccount's key, or one without /subaccounts/search: it acts in its own account only.
    holder.replaceChildren();
    holder.hidden = true;
    return;
  }
  const select = h(
    'select',
    { id: 'account-select', name: 'account' },
    h('option', { value: '' }, 'Own account'),
    subaccounts.map((s) =>
      h('option', { value: s.id }, `${s.name}${s.state === 'closed' ? ' (closed)' : ''}`),
    ),
  );
  const current = session.subaccountId();
  if (current && !subaccounts.some((s) => s.id === current)) session.setSubaccountId(null);
  select.value = session.subaccountId() ?? '';
  select.addEventListener('change', () => {
    session.setSubaccountId(select.value || null);
    onSwitch();
  });
  holder.replaceChildren(h('label', { for: 'account-select' }, 'Acting in'), select);
  holder.hidden = false;
}

/** Sets the acting account from a page; `rerender: false` when the caller navigates right after. */
export function switchTo(subaccountId, { rerender = true } = {}) {
  session.setSubaccountId(subaccountId);
  const select = document.getElementById('account-select');
  if (select) select.value = subaccountId ?? '';
  if (rerender) onSwitch();
}
