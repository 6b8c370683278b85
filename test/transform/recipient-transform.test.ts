// Behaviour of the per-recipient transform beyond the corpus: templates, charsets, transfer encodings,
// headers, link rules, malformed input and streaming.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import PostalMime from 'postal-mime';
import { createRecipientTransform } from '../../src/transform/recipient-transform.js';
import { readMessageOutline, type MessageOutline } from '../../src/transform/message-outline.js';
import { DEFAULT_FOOTER } from '../../src/transform/footer.js';
import { createTrackingLinks } from '../../src/tracking/tracking-urls.js';
import { decodePart, splitMessage, transformMessage } from './corpus/mime-parts.js';

const UNSUBSCRIBE = 'https://petrel.example/t/u/TOKEN.sig';
const PIXEL = 'https://petrel.example/t/o/PIXEL.sig';
const track = (url: string): string => `https://petrel.example/t/c/${Buffer.from(url).toString('base64url')}`;
const ALL = {
  recipient: 'reader@example.org',
  footer: { html: '', text: '' },
  unsubscribeUrl: UNSUBSCRIBE,
  trackClick: track,
  openPixelUrl: PIXEL,
};

function message(headers: string[], body: string | Buffer): Buffer {
  const head = Buffer.from(
    [
      'From: a@shop.example',
      'To: reader@example.org',
      'Subject: t',
      'MIME-Version: 1.0',
      ...headers,
      '',
      '',
    ].join('\r\n'),
  );
  return Buffer.concat([head, typeof body === 'string' ? Buffer.from(body.replace(/\r?\n/g, '\r\n')) : body]);
}

async function part(output: Buffer, node: number) {
  const { parts } = await splitMessage(output);
  const found = parts[node];
  assert.ok(found, `part ${node} exists`);
  return found;
}

describe('footer', () => {
  it('substitutes %%UNSUBSCRIBE%% and %%EMAIL%%, HTML-escaping the address in HTML only', async () => {
    const input = message(
      ['Content-Type: multipart/alternative; boundary="b"'],
      '--b\nContent-Type: text/plain\n\nHi\n--b\nContent-Type: text/html\n\n<html><body><p>Hi</p></body></html>\n--b--\n',
    );
    const recipient = `"o'brien<&>"@example.org`;
    const output = await transformMessage(input, {
      recipient,
      footer: {
        html: '<p>For %%EMAIL%%: <a href="%%UNSUBSCRIBE%%">stop</a></p>',
        text: 'For %%EMAIL%%: %%UNSUBSCRIBE%%',
      },
      unsubscribeUrl: 'https://petrel.example/t/u/a&b',
    });
    const parsed = await PostalMime.parse(output);
    assert.ok(parsed.text?.includes(`For ${recipient}: https://petrel.example/t/u/a&b`));
    assert.ok(
      parsed.html?.includes(
        '<p>For &quot;o&#39;brien&lt;&amp;&gt;&quot;@example.org: <a href="https://petrel.example/t/u/a&amp;b">stop</a></p>',
      ),
    );
  });

  it('uses the built-in footer when the templates are blank', async () => {
    const input = message(['Content-Type: text/plain; charset=utf-8'], 'Hello\n');
    const output = await transformMessage(input, { ...ALL, footer: { html: '  ', text: '' } });
    const text = decodePart(await part(output, 0));
    const expected = DEFAULT_FOOTER.text
      .replace('%%EMAIL%%', 'reader@example.org')
      .replace('%%UNSUBSCRIBE%%', UNSUBSCRIBE);
    assert.equal(text, `Hello\r\n\r\n${expected.replace(/\n/g, '\r\n')}\r\n`);
  });

  it('goes into the last text/plain and last text/html part, before </body>, with the pixel after it', async () => {
    const input = message(
      ['Content-Type: multipart/mixed; boundary="m"'],
      [
        '--m',
        'Content-Type: text/plain',
        '',
        'one',
        '--m',
        'Content-Type: text/html',
        '',
        '<html><body>one</body></html>',
        '--m',
        'Content-Type: text/plain',
        '',
        'two',
        '--m',
        'Content-Type: text/html',
        '',
        '<html><body>two</body>\n<!-- trailer --></html>',
        '--m',
        'Content-Type: text/plain',
        'Content-Disposition: attachment; filename="a.txt"',
        '',
        'attached, not body',
        '--m--',
        '',
      ].join('\n'),
    );
    const output = await transformMessage(input, ALL);
    const { parts } = await splitMessage(output);
    assert.equal(decodePart(parts[1]!), 'one');
    assert.equal(decodePart(parts[2]!), '<html><body>one</body></html>');
    assert.match(
      decodePart(parts[3]!),
      /^two\r\n\r\nYou are receiving this email at reader@example\.org\.\r\nUnsubscribe: /,
    );
    const html = decodePart(parts[4]!);
    assert.match(
      html,
      /^<html><body>two\r\n<div style=.*Unsubscribe<\/a><\/div>\r\n<img src="https:\/\/petrel\.example\/t\/o\/PIXEL\.sig"[^>]*>\r\n<\/body>\r\n<!-- trailer --><\/html>$/,
    );
    assert.equal(decodePart(parts[5]!), 'attached, not body');
  });

  it('needs an unsubscribe URL', () => {
    const outline: MessageOutline = { sealed: false, bodyParts: [] };
    assert.throws(
      () => createRecipientTransform({ outline, recipient: 'a@b.example', footer: { html: '', text: '' } }),
      TypeError,
    );
    assert.throws(
      () =>
        createRecipientTransform({
          outline,
          recipient: 'a@b.example',
          unsubscribeUrl: 'https://x.example/>\r\nBcc: y',
        }),
      TypeError,
    );
  });

  it('keeps format=flowed text flowed: footer lines lose trailing spaces and are space-stuffed', async () => {
    const input = message(['Content-Type: text/plain; charset=utf-8; format=flowed'], 'Hi \nthere\n');
    const output = await transformMessage(input, {
      ...ALL,
      footer: { html: '', text: '> quoted? \nFrom here' },
    });
    const out = await part(output, 0);
    assert.match(out.head.toString(), /format=flowed/);
    assert.equal(decodePart(out), 'Hi \r\nthere\r\n\r\n > quoted?\r\n From here\r\n');
  });
});

describe('headers', () => {
  it('adds List-Unsubscribe and List-Unsubscribe-Post (RFC 8058), replacing the sender’s', async () => {
    const input = message(
      [
        'List-Unsubscribe: <mailto:u@shop.example>',
        'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
        'Content-Type: text/plain',
      ],
      'Hi\n',
    );
    const output = await transformMessage(input, { recipient: 'r@example.org', unsubscribeUrl: UNSUBSCRIBE });
    const head = output.toString().split('\r\n\r\n')[0] ?? '';
    assert.equal(head.match(/^List-Unsubscribe:/gim)?.length, 1);
    assert.match(head, new RegExp(`^List-Unsubscribe: <${UNSUBSCRIBE.replace(/\./g, '\\.')}>$`, 'm'));
    assert.equal(head.match(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/gm)?.length, 1);
    // Without a footer only the headers change; the body is the input's.
    assert.ok(output.toString().endsWith('\r\n\r\nHi\r\n'));
  });

  it('adds nothing without an unsubscribe URL', async () => {
    const input = message(
      ['Content-Type: text/html'],
      '<html><body><a href="https://x.example/">x</a></body></html>\n',
    );
    const output = await transformMessage(input, { recipient: 'r@example.org', trackClick: track });
    assert.doesNotMatch(output.toString(), /List-Unsubscribe/i);
    assert.match(output.toString(), /href="https:\/\/petrel\.example\/t\/c\//);
  });
});

describe('click tracking', () => {
  it('tracks http(s) links only, never the unsubscribe link, and tracks links in the footer', async () => {
    const input = message(
      ['Content-Type: text/html; charset=utf-8'],
      '<html><body>' +
        '<a href=" https://a.example/x?a=1&amp;b=2 ">a</a>' +
        '<a href="HTTP://b.example/">b</a>' +
        `<a href="${UNSUBSCRIBE}">unsubscribe</a>` +
        '<a href="mailto:x@y.example">m</a><a href="#top">t</a><a href="javascript:alert(1)">j</a>' +
        '<a href="ftp://f.example/">f</a><a>no href</a><area href="https://area.example/">' +
        '</body></html>\n',
    );
    const output = await transformMessage(input, {
      ...ALL,
      footer: {
        html: '<a href="https://shop.example/prefs">prefs</a> <a href="%%UNSUBSCRIBE%%">stop</a>',
        text: 'x',
      },
    });
    const html = decodePart(await part(output, 0));
    assert.ok(html.includes(`<a href="${track('https://a.example/x?a=1&b=2')}">a</a>`));
    assert.ok(html.includes(`<a href="${track('HTTP://b.example/')}">b</a>`));
    assert.equal(
      html.split(`href="${UNSUBSCRIBE}"`).length - 1,
      2,
      'the body’s and the footer’s unsubscribe link',
    );
    for (const kept of [
      'mailto:x@y.example',
      '#top',
      'javascript:alert(1)',
      'ftp://f.example/',
      'https://area.example/',
    ]) {
      assert.ok(html.includes(`href="${kept}"`), kept);
    }
    assert.ok(html.includes(`<a href="${track('https://shop.example/prefs')}">prefs</a>`));
  });

  it('delivers a link the tracker refuses untracked instead of failing the message', async () => {
    const links = createTrackingLinks('transform-test-secret-0123456789', 'https://petrel.example', {
      messageId: 'm',
      recipient: 'reader@example.org',
      username: 'u',
      accountId: 'a',
    });
    const input = message(
      ['Content-Type: text/html'],
      '<html><body><a href="https://exa mple.com/">bad</a><a href="https://ok.example/">ok</a></body></html>\n',
    );
    const html = decodePart(
      await part(await transformMessage(input, { ...ALL, trackClick: links.trackClick }), 0),
    );
    assert.ok(html.includes('<a href="https://exa mple.com/">bad</a>'));
    assert.ok(html.includes(`<a href="${links.trackClick('https://ok.example/')}">ok</a>`));
  });

  it('leaves a message without HTML alone: no pixel, no rewriting', async () => {
    const input = message(['Content-Type: text/plain'], 'Visit https://a.example/ now\n');
    const output = await transformMessage(input, { ...ALL, footer: null, unsubscribeUrl: null });
    assert.ok(output.equals(input));
  });
});

describe('encodings and charsets', () => {
  it('keeps 7bit when the footer is ASCII and switches to quoted-printable when it is not', async () => {
    const input = message(
      ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 7bit'],
      'Hi\n',
    );
    const ascii = await part(await transformMessage(input, { ...ALL, footer: { html: '', text: 'Bye' } }), 0);
    assert.equal(ascii.encoding, '7bit');
    const accented = await part(
      await transformMessage(input, { ...ALL, footer: { html: '', text: 'Tschüß' } }),
      0,
    );
    assert.equal(accented.encoding, 'quoted-printable');
    assert.equal(decodePart(accented), 'Hi\r\n\r\nTschüß\r\n');
  });

  it('keeps base64 as base64, in 76-character lines', async () => {
    const html = `<html><body>${'<p>Lorem ipsum dolor sit amet.</p>'.repeat(100)}</body></html>`;
    const input = message(
      ['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64'],
      Buffer.from(html).toString('base64').replace(/.{76}/g, '$&\r\n') + '\r\n',
    );
    const out = await part(await transformMessage(input, ALL), 0);
    assert.equal(out.encoding, 'base64');
    const lines = out.body.toString().trim().split('\r\n');
    assert.ok(lines.every((l) => l.length <= 76 && /^[A-Za-z0-9+/=]+$/.test(l)));
    assert.ok(decodePart(out).startsWith(html.replace('</body></html>', '')));
  });

  it('writes the footer in the part’s own charset when it fits', async () => {
    const input = message(
      ['Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: 8bit'],
      Buffer.from('Crème brûlée\r\n', 'latin1'),
    );
    const out = await part(await transformMessage(input, { ...ALL, footer: { html: '', text: 'Grüße' } }), 0);
    assert.equal(out.charset, 'iso-8859-1');
    assert.equal(out.encoding, '8bit');
    assert.ok(out.body.equals(Buffer.from('Crème brûlée\r\n\r\nGrüße\r\n', 'latin1')));
  });

  it('switches a part to UTF-8 (and its <meta> charset) when the footer does not fit its charset', async () => {
    const html =
      '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><meta charset="iso-8859-1"></head><body><p>Crème</p></body></html>';
    const input = message(
      ['Content-Type: text/html; charset="iso-8859-1"', 'Content-Transfer-Encoding: quoted-printable'],
      Buffer.from(html, 'latin1')
        .toString('latin1')
        .replace(/[=\u0080-\u00ff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase()}`),
    );
    const out = await part(
      await transformMessage(input, { ...ALL, footer: { html: '<p>Price: 5 €</p>', text: '' } }),
      0,
    );
    assert.match(out.head.toString(), /^Content-Type: text\/html; charset=utf-8\r$/m);
    assert.equal(out.encoding, 'quoted-printable');
    const decoded = decodePart(out);
    assert.ok(decoded.includes('<p>Crème</p>'));
    assert.ok(decoded.includes('<p>Price: 5 €</p>'));
    assert.ok(decoded.includes('content="text/html; charset=utf-8"'));
    assert.ok(decoded.includes('<meta charset="utf-8">'));
  });

  it('leaves a part in an unknown charset untouched', async () => {
    const input = message(
      ['Content-Type: text/html; charset=x-unknown'],
      '<html><body><a href="https://a.example/">a</a></body></html>\n',
    );
    const output = await transformMessage(input, { ...ALL, unsubscribeUrl: null, footer: null });
    assert.ok(output.equals(input));
  });

  it('keeps a tracked 7bit HTML line under 998 octets by giving the long link a line of its own', async () => {
    const line = `<p>${'x'.repeat(840)}<a class="c" href="https://a.example/${'p'.repeat(40)}">a</a>${'y'.repeat(40)}</p>`;
    const input = message(
      ['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: 7bit'],
      `<html><body>${line}</body></html>\n`,
    );
    const output = await transformMessage(input, { recipient: 'r@example.org', trackClick: track });
    const out = await part(output, 0);
    assert.equal(out.encoding, '7bit');
    const html = decodePart(out);
    assert.ok(html.split(/\r?\n/).every((l) => l.length <= 998));
    assert.ok(html.includes(`\r\nhref="${track(`https://a.example/${'p'.repeat(40)}`)}"\r\n>a</a>`));
  });

  it('repairs a changed 7bit part whose lines were already over 998 octets by making it quoted-printable', async () => {
    const input = message(
      ['Content-Type: text/html; charset=utf-8'],
      `<html><body><p>${'z'.repeat(1500)}</p></body></html>\n`,
    );
    const output = await transformMessage(input, ALL);
    const out = await part(output, 0);
    assert.equal(out.encoding, 'quoted-printable');
    assert.ok(
      output
        .toString()
        .split('\r\n')
        .every((l) => l.length <= 998),
    );
    assert.ok(decodePart(out).includes(`<p>${'z'.repeat(1500)}</p>`));
  });

  it('keeps bare-LF line endings in a bare-LF message', async () => {
    const input = Buffer.from(
      'Subject: lf\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n<html><body>é</body></html>\n'.replace(
        'é',
        '=C3=A9',
      ),
    );
    const output = await transformMessage(input, ALL);
    assert.ok(!output.includes('\r'));
    assert.ok(output.toString().startsWith('Subject: lf\nContent-Type: text/html; charset=utf-8\n'));
  });
});

describe('malformed and large input', () => {
  it('errors the stream cleanly on a header block the splitter refuses', async () => {
    const input = Buffer.concat([
      Buffer.from('Subject: x\r\nX-Long: '),
      Buffer.alloc(2 * 1024 * 1024, 'a'),
      Buffer.from('\r\n\r\nbody\r\n'),
    ]);
    const outline: MessageOutline = { sealed: false, bodyParts: [] };
    await assert.rejects(
      pipeline(
        Readable.from([input]),
        createRecipientTransform({ outline, ...ALL }),
        new PassThrough().resume(),
      ),
      /Max header size/,
    );
    await assert.rejects(readMessageOutline(Readable.from([input])), /Max header size/);
  });

  for (const [name, raw] of [
    [
      'an unterminated multipart',
      'Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<html><body><a href="https://a.example/">a',
    ],
    [
      'a multipart without a boundary',
      'Content-Type: multipart/mixed\r\n\r\n<html><body>x</body></html>\r\n',
    ],
    [
      'broken quoted-printable and base64',
      'Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n=4\r\n--q\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!notbase64==A\r\n--q--\r\n',
    ],
    ['no header block at all', '\r\n\r\n\r\n'],
    [
      'binary garbage',
      Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 131) % 256)).toString('latin1'),
    ],
  ] as const) {
    it(`turns ${name} into a message that parses, without throwing`, async () => {
      const input = Buffer.from(raw, 'latin1');
      const output = await transformMessage(input, ALL);
      await PostalMime.parse(output);
      assert.ok(output.length >= input.length);
    });
  }

  it('streams: output flows before the input has ended', async () => {
    const head = message(
      ['Content-Type: multipart/mixed; boundary="big"'],
      '--big\nContent-Type: text/html\n\n<html><body><a href="https://a.example/">a</a></body></html>\n--big\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n',
    );
    const line = Buffer.from(`${'QUJD'.repeat(19)}\r\n`);
    const attachment = Buffer.concat(Array.from({ length: 20000 }, () => line)); // ~1.5 MiB per write
    const outline = await readMessageOutline(Readable.from([head, attachment, Buffer.from('--big--\r\n')]));
    const transform = createRecipientTransform({ outline, ...ALL });
    let received = 0;
    transform.on('data', (chunk: Buffer) => (received += chunk.length));
    transform.write(head);
    // Twenty writes of the attachment: the transform has to hand bytes on while it is still being fed.
    for (let i = 0; i < 20; i++) {
      if (!transform.write(attachment)) await new Promise((resolve) => transform.once('drain', resolve));
    }
    const receivedBeforeEnd = received;
    transform.end(Buffer.from('--big--\r\n'));
    await new Promise((resolve) => transform.once('end', resolve));
    assert.ok(
      receivedBeforeEnd > 10 * attachment.length,
      `${receivedBeforeEnd} bytes out before the input ended`,
    );
    assert.ok(received > 20 * attachment.length);
  });

  it('accepts the outline as JSON (it is stored with the queue entry)', async () => {
    const input = message(['Content-Type: text/html'], '<html><body>x</body></html>\n');
    const outline = JSON.parse(
      JSON.stringify(await readMessageOutline(Readable.from([input]))),
    ) as MessageOutline;
    const output = await buffer(Readable.from([input]).pipe(createRecipientTransform({ outline, ...ALL })));
    assert.match(output.toString(), /t\/o\/PIXEL/);
  });
});
