// The dedicated IP pools the acting account may use (/v3/dedicated_ips/view); pools are defined in the
// node's configuration (PETREL_IP_POOLS), so this page only lists them.
import { api } from '../api.js';
import { dataTable, h } from '../dom.js';
import { loadFailure } from '../notices.js';

export async function renderList(ctx) {
  ctx.main.append(ctx.heading('IP pools'));
  let pools;
  try {
    pools = await api('/dedicated_ips/view');
  } catch (error) {
    if (ctx.isCurrent()) ctx.main.append(loadFailure(error, 'The IP pool list'));
    return;
  }
  if (!ctx.isCurrent()) return;
  const table = dataTable({
    caption: 'IP pools this account may use',
    columns: [
      { label: 'Id', cell: (p) => String(p.id) },
      { label: 'Name', cell: (p) => p.name },
      { label: 'Addresses', cell: (p) => p.ip_addresses.join(', ') },
    ],
    rows: pools,
    empty: 'No IP pool is granted to this account. Pools are configured on the node (PETREL_IP_POOLS).',
  });
  ctx.main.append(
    h(
      'p',
      { class: 'hint' },
      'Choose a pool for an SMTP user in its form; the user then sends from these addresses.',
    ),
    table.element,
  );
}
