// Every message shape of the corpus goes through the per-recipient transform with every option on, in
// CRLF and in bare-LF form: the result parses, changed parts carry the footer, tracked links and pixel,
// and every other byte is the input's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import PostalMime from 'postal-mime';
import { readMessageOutline, lastBodyPart } from '../../src/transform/message-outline.js';
import { escapeHtml } from '../../src/transform/footer.js';
import { verifyToken } from '../../src/tracking/tokens.js';
import { createTrackingLinks } from '../../src/tracking/tracking-urls.js';
import {
  corpusFiles,
  decodePart,
  headerValue,
  readFixture,
  splitMessage,
  toCrlf,
  transformMessage,
  type MimePart,
} from './corpus/mime-parts.js';

const SECRET = 'corpus-test-secret-0123456789abcdef';
const RECIPIENT = "o'brien&co@example.org";
const links = createTrackingLinks(SECRET, 'https://petrel.example', {
  messageId: 'msg-corpus',
  recipient: RECIPIENT,
  username: 'acme-web',
  accountId: 'acc-1',
});
// '·' is in ISO-8859-1 and windows-1252 but not in US-ASCII: some parts keep their charset, some switch.
const FOOTER = {
  html:
    '<p class="petrel-footer">Sent to %%EMAIL%% · <a href="%%UNSUBSCRIBE%%">Unsubscribe</a> · ' +
    '<a href="https://shop.example/preferences">Preferences</a></p>',
  text: 'Sent to %%EMAIL%% · Unsubscribe: %%UNSUBSCRIBE%%',
};
const OPTIONS = {
  recipient: RECIPIENT,
  footer: FOOTER,
  unsubscribeUrl: links.unsubscribeUrl,
  trackClick: links.trackClick,
  openPixelUrl: links.openPixelUrl,
};
const FOOTER_HTML =
  `<p class="petrel-footer">Sent to ${escapeHtml(RECIPIENT)} · <a href="${escapeHtml(links.unsubscribeUrl)}">Unsubscribe</a> · ` +
  `<a href="${escapeHtml(links.trackClick('https://shop.example/preferences'))}">Preferences</a></p>`;
const FOOTER_TEXT = `Sent to ${RECIPIENT} · Unsubscribe: ${links.unsubscribeUrl}`;
const PIXEL_SRC = `src="${escapeHtml(links.openPixelUrl)}"`;

/** Messages that must come out exactly as they went in. */
const SEALED = new Set(['13-multipart-signed.eml', '16-pkcs7-mime.eml']);
/** Parts in a charset iconv-lite does not know are left alone (and so get no footer). */
const UNREADABLE = new Set(['20-unknown-charset.eml']);

const HREF = /\bhref\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi;

function hrefs(html: string): string[] {
  return [...html.matchAll(HREF)].map((m) => (m[1] ?? '').replace(/^["']|["']$/g, '').replace(/&amp;/g, '&'));
}

/** HTML with every href and all whitespace taken out: what must survive link rewriting unchanged. */
function withoutLinks(html: string): string {
  return html.replace(HREF, '').replace(/\s+/g, '');
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

function isBodyText(part: MimePart, kind: 'text/plain' | 'text/html'): boolean {
  return part.contentType === kind && part.disposition !== 'attachment';
}

function expectedRootHead(head: Buffer, eol: string): string {
  const text = head.toString('latin1');
  const fields = text.slice(0, text.length - eol.length).match(/[^\n]*\n(?:[ \t][^\n]*\n)*/g) ?? [];
  const kept = fields.filter((f) => !/^list-unsubscribe(-post)?:/i.test(f)).join('');
  return (
    kept +
    `List-Unsubscribe: <${links.unsubscribeUrl}>${eol}` +
    `List-Unsubscribe-Post: List-Unsubscribe=One-Click${eol}${eol}`
  );
}

for (const file of corpusFiles()) {
  for (const variant of ['crlf', 'lf'] as const) {
    describe(`corpus ${file} (${variant})`, () => {
      const fixture = readFixture(file);
      const input = variant === 'crlf' ? toCrlf(fixture) : fixture;
      const eol = variant === 'crlf' ? '\r\n' : '\n';

      it('passes through byte for byte when no option is on', async () => {
        const output = await transformMessage(input, { recipient: RECIPIENT });
        assert.ok(output.equals(input));
      });

      if (SEALED.has(file)) {
        it('leaves a signed or encrypted message exactly as it is, headers included', async () => {
          const outline = await readMessageOutline(Readable.from([input]));
          assert.equal(outline.sealed, true);
          const output = await transformMessage(input, OPTIONS);
          assert.ok(output.equals(input));
        });
        return;
      }

      it('rewrites only what SPEC §3.1 asks for, and the result parses', async () => {
        const outline = await readMessageOutline(Readable.from([input]));
        const output = await transformMessage(input, OPTIONS);
        const before = await splitMessage(input);
        const after = await splitMessage(output);

        // The result parses, and a reader sees the footer and the List-Unsubscribe headers.
        const parsed = await PostalMime.parse(output);
        const listUnsubscribe = parsed.headers.filter((h) => h.key === 'list-unsubscribe');
        assert.deepEqual(
          listUnsubscribe.map((h) => h.value),
          [`<${links.unsubscribeUrl}>`],
        );
        assert.equal(
          parsed.headers.find((h) => h.key === 'list-unsubscribe-post')?.value,
          'List-Unsubscribe=One-Click',
        );

        // Same tree, same boundaries, preambles and epilogues.
        assert.equal(after.parts.length, before.parts.length);
        assert.deepEqual(after.data, before.data);

        const unreadable = UNREADABLE.has(file);
        const lastPlain = unreadable ? undefined : lastBodyPart(outline, 'plain')?.node;
        const lastHtml = unreadable ? undefined : lastBodyPart(outline, 'html')?.node;
        const htmlParts = unreadable
          ? []
          : before.parts.filter((p) => isBodyText(p, 'text/html')).map((p) => p.node);
        const changed = new Set([...(lastPlain === undefined ? [] : [lastPlain]), ...htmlParts]);

        for (const part of before.parts) {
          const out = after.parts[part.node];
          assert.ok(out);
          if (!changed.has(part.node)) {
            assert.ok(out.body.equals(part.body), `body of unchanged part ${part.node} is byte-identical`);
            if (part.node === 0) assert.equal(out.head.toString('latin1'), expectedRootHead(part.head, eol));
            else
              assert.ok(out.head.equals(part.head), `head of unchanged part ${part.node} is byte-identical`);
            continue;
          }
          // Transfer encodings are kept, except 7bit that cannot carry the non-ASCII footer.
          const gotFooter = part.node === lastPlain || part.node === lastHtml;
          const expectedEncoding =
            (part.encoding === '' || part.encoding === '7bit') && gotFooter
              ? 'quoted-printable'
              : part.encoding;
          assert.equal(out.encoding, expectedEncoding || '', `transfer encoding of part ${part.node}`);
          // ISO-8859-1 and windows-1252 can write '·'; unlabeled US-ASCII parts switch to UTF-8.
          const expectedCharset =
            gotFooter && (part.charset === '' || part.charset === 'us-ascii') ? 'utf-8' : part.charset;
          assert.equal(out.charset, expectedCharset, `charset of part ${part.node}`);

          const original = decodePart(part);
          const rewritten = decodePart(out);
          if (part.contentType === 'text/plain') {
            assert.ok(rewritten.startsWith(original), 'the text is kept as it was');
            const added = rewritten.slice(original.length);
            assert.equal(added.replace(/\r?\n/g, '\n').trim(), FOOTER_TEXT);
            continue;
          }
          for (const href of hrefs(original)) {
            if (/^https?:\/\//i.test(href)) {
              const tracked = links.trackClick(href);
              assert.ok(rewritten.includes(`href="${escapeHtml(tracked)}"`), `${href} is tracked`);
              const token = tracked.slice(tracked.lastIndexOf('/') + 1);
              // Signed normalised (SPEC §10): scheme and host in lower case, the rest as written.
              assert.equal(verifyToken(SECRET, token, 'click')?.url, new URL(href).href);
            } else {
              assert.ok(hrefs(rewritten).includes(href), `${href} is left alone`);
            }
          }
          assert.ok(
            hrefs(rewritten).every(
              (h) => !/^https?:\/\//i.test(h) || h.startsWith('https://petrel.example/t/'),
            ),
            'no untracked http(s) link is left',
          );
          const isLast = part.node === lastHtml;
          assert.equal(
            count(rewritten, FOOTER_HTML),
            isLast ? 1 : 0,
            'the footer is in the last HTML part only',
          );
          assert.equal(
            count(rewritten, PIXEL_SRC),
            isLast ? 1 : 0,
            'the pixel is in the last HTML part only',
          );
          if (isLast) {
            const footerAt = rewritten.indexOf(FOOTER_HTML);
            assert.ok(footerAt < rewritten.indexOf(PIXEL_SRC), 'pixel after the footer');
            if (/<\/body>/i.test(original))
              assert.ok(rewritten.indexOf(PIXEL_SRC) < rewritten.search(/<\/body>/i));
          }
          const insertion = isLast ? [FOOTER_HTML, `<img ${PIXEL_SRC}`] : [];
          let rest = rewritten;
          for (const piece of insertion) rest = rest.replace(piece, '');
          rest = rest.replace(
            / width="1" height="1" alt="" border="0" style="width:1px;height:1px;border:0">/,
            '',
          );
          assert.equal(withoutLinks(rest), withoutLinks(original), 'the rest of the HTML is unchanged');
        }

        // No added line breaks the 998-octet limit; only lines the input already had may be longer.
        const inputLines = new Set(input.toString('latin1').split(/\r?\n/));
        for (const line of output.toString('latin1').split(/\r?\n/)) {
          if (line.length > 998) assert.ok(inputLines.has(line), 'a long line comes from an untouched part');
        }

        // Pixel and click tracking only where there is HTML to carry them.
        const hasHtml = htmlParts.length > 0;
        assert.equal(parsed.html?.includes(PIXEL_SRC) ?? false, hasHtml);
        if (!hasHtml)
          assert.ok(
            !output.includes('/t/o/') && !output.includes('/t/c/') && !parsed.text?.includes('/t/c/'),
          );
        if (lastPlain !== undefined) assert.ok(parsed.text?.includes(FOOTER_TEXT));
        if (lastHtml !== undefined) assert.ok(parsed.html?.includes(FOOTER_HTML));
        assert.ok(headerValue(output, 'List-Unsubscribe'));
      });
    });
  }
}

describe('corpus', () => {
  it('covers at least 15 message shapes', () => {
    assert.ok(corpusFiles().length >= 15);
  });
});
