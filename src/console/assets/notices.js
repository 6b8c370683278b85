// Page-level messages: errors, and the notice for an endpoint this node does not serve yet.
import { h } from './dom.js';

export function errorNotice(error) {
  const code = error?.code ? ` (${error.code})` : '';
  return h('div', { class: 'alert', role: 'alert' }, `${error?.message ?? String(error)}${code}`);
}

/** What a page shows instead of its content when the API answered 404 for its endpoint. */
export function unavailableNotice(what, path) {
  return h(
    'div',
    { class: 'notice', role: 'status' },
    h('h2', {}, `${what} is not available on this node yet`),
    h(
      'p',
      {},
      `Petrel answered 404 for /v3${path}: this version of the node does not serve that endpoint. ` +
        'The page works as soon as the node is upgraded; nothing is wrong with your key.',
    ),
  );
}

/** Renders a failed load: the unavailable notice for a 404, the error otherwise. */
export function loadFailure(error, what) {
  return error?.notFound ? unavailableNotice(what, error.path) : errorNotice(error);
}
