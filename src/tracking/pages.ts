// What the tracking routes answer with: the 43-byte transparent pixel and the two small unsubscribe
// pages (self-contained HTML: no script, nothing loaded from anywhere), with the headers that go with them.
import { escapeHtml } from '../transform/footer.js';

/** A 1×1 transparent GIF89a, the classic 43 bytes. */
export const TRANSPARENT_GIF = Buffer.from(
  'R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==',
  'base64',
);

/** Every tracking answer: never cached (each hit must reach Petrel), never leaking the token onwards. */
export const NO_CACHE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store, no-cache, must-revalidate, max-age=0',
  pragma: 'no-cache',
  expires: '0',
  // The token names the recipient: the page a click leads to must not see it in Referer.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  ...NO_CACHE_HEADERS,
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
};

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}' +
  'button{font-size:1rem;padding:.5rem 1.25rem;cursor:pointer}';

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/**
 * Asks before unsubscribing: mail scanners follow links with GET, so only the POST (this form, or a
 * mail client's RFC 8058 one-click request) unsubscribes. The form posts back to this very URL.
 */
export function confirmUnsubscribePage(recipient: string): string {
  return page(
    'Unsubscribe',
    `<h1>Unsubscribe</h1>
<p>Stop sending email from this sender to <strong>${escapeHtml(recipient)}</strong>?</p>
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

export function unsubscribedPage(recipient: string): string {
  return page(
    'Unsubscribed',
    `<h1>You are unsubscribed</h1>
<p><strong>${escapeHtml(recipient)}</strong> will no longer receive email from this sender.</p>`,
  );
}
