// Shows untrusted HTML (a held message, a footer preview) in an <iframe sandbox> via srcdoc: the empty
// sandbox runs no script, gives the document an opaque origin and blocks popups, forms and automatic
// navigation (meta refresh); the document's own CSP refuses every load (images, styles, fonts, frames).
// The console's policy is inherited on top of it, so even a mistake here loads nothing remote.
import { h } from './dom.js';

const FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'";

/** The srcdoc document: our head first, so the CSP is in force before any of the message is parsed. */
export function frameDocument(html) {
  return (
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${FRAME_CSP}">` +
    '<meta name="referrer" content="no-referrer"></head><body>' +
    html +
    '</body></html>'
  );
}

/**
 * An iframe for `html`. Each time its document finishes loading, `data-loaded` counts up, which gives
 * tests (and anything else) a moment after which every load the document could start has been decided.
 */
export function messageFrame({ title, html = '', className = 'message-frame' }) {
  // sandbox="" with no allow-* token at all: adding one (scripts, same origin) would undo the protection.
  const frame = h('iframe', { title, sandbox: '', class: className, referrerpolicy: 'no-referrer' });
  let loads = 0;
  frame.addEventListener('load', () => {
    loads += 1;
    frame.dataset.loaded = String(loads);
  });
  setFrameHtml(frame, html);
  return frame;
}

export function setFrameHtml(frame, html) {
  frame.srcdoc = frameDocument(html);
}
