// email/send (SPEC §1.7): checks what the request schema cannot (addresses, base64, header names, the
// fields Petrel does not support) and has nodemailer's MailComposer build the message, so that no MIME is
// written by hand. Bcc recipients go into the envelope only; the message carries no Bcc header.
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailComposerAttachment } from 'nodemailer/lib/mail-composer';
import { decodeBase64 } from '../domain/base64.js';
import { quoteFound } from '../domain/email-address.js';
import { fieldError } from '../domain/errors.js';
import { parseMailbox, type Mailbox } from '../domain/mailbox.js';
import type { SendEmailBody } from '../domain/schemas/email.js';
import type { OutgoingMessage } from './send-email.js';

/**
 * Headers a request may not set through custom_headers: SMTP2GO refuses the three that define the MIME
 * structure, and the others are what sender, to, cc, bcc and subject set (silently overriding them, or
 * a Bcc header showing the blind copies to everyone, would surprise the client).
 */
const RESERVED_HEADERS = new Map([
  ['content-type', 'the message structure'],
  ['content-transfer-encoding', 'the message structure'],
  ['mime-version', 'the message structure'],
  ['from', "the field 'sender'"],
  ['to', "the field 'to'"],
  ['cc', "the field 'cc'"],
  ['bcc', "the field 'bcc'"],
  ['subject', "the field 'subject'"],
]);

function mailbox(field: string, value: string): Mailbox {
  const parsed = parseMailbox(value);
  if (!parsed.ok) throw fieldError(field, parsed.reason);
  return parsed.mailbox;
}

function mailboxes(field: string, values: string[] | undefined): Mailbox[] {
  return (values ?? []).map((value, i) => mailbox(`${field}.${i}`, value));
}

/** Each address once (compared case-insensitively, as SMTP's RCPT TO is), in the order given. */
function uniqueAddresses(lists: Mailbox[][]): string[] {
  const seen = new Set<string>();
  const addresses: string[] = [];
  for (const m of lists.flat()) {
    const key = m.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    addresses.push(m.address);
  }
  return addresses;
}

function customHeaders(body: SendEmailBody): { key: string; value: string }[] {
  return (body.custom_headers ?? []).map((h, i) => {
    const key = h.header ?? h.name;
    if (key === undefined) throw fieldError(`custom_headers.${i}.header`, 'is required');
    const setBy = RESERVED_HEADERS.get(key.toLowerCase());
    if (setBy !== undefined) {
      throw fieldError(
        `custom_headers.${i}.header`,
        `may not be ${quoteFound(key)}: that header is set by ${setBy}`,
      );
    }
    return { key, value: h.value };
  });
}

type FileField = NonNullable<SendEmailBody['attachments']>[number];

function file(field: string, f: FileField): MailComposerAttachment {
  if (f.url !== undefined) {
    throw fieldError(
      `${field}.url`,
      'is not supported: Petrel fetches nothing from the network; send the file base64-encoded in fileblob',
    );
  }
  if (f.fileblob === undefined) throw fieldError(`${field}.fileblob`, 'is required');
  const content = decodeBase64(f.fileblob);
  if (content === null) {
    throw fieldError(`${field}.fileblob`, `must be base64-encoded, found ${quoteFound(f.fileblob)}`);
  }
  // Without a mimetype MailComposer guesses one from the filename, as a mail client would.
  return { filename: f.filename, content, ...(f.mimetype ? { contentType: f.mimetype } : {}) };
}

/** Checks `body` and prepares its message; throws the ValidationError of the first bad field. */
export function composeEmail(body: SendEmailBody): OutgoingMessage {
  const from = mailbox('sender', body.sender);
  const to = mailboxes('to', body.to);
  const cc = mailboxes('cc', body.cc);
  const bcc = mailboxes('bcc', body.bcc);
  const text = body.text_body ?? '';
  const html = body.html_body ?? '';
  if (text === '' && html === '') {
    throw fieldError('text_body', 'is required when html_body is empty: send text_body, html_body or both');
  }
  const headers = customHeaders(body);
  const attachments = [
    ...(body.attachments ?? []).map((f, i) => file(`attachments.${i}`, f)),
    ...(body.inlines ?? []).map((f, i): MailComposerAttachment => ({
      ...file(`inlines.${i}`, f),
      cid: f.filename,
      contentDisposition: 'inline',
    })),
  ];
  return {
    mailFrom: from.address,
    recipients: uniqueAddresses([to, cc, bcc]),
    open: () =>
      new MailComposer({
        from,
        to,
        ...(cc.length > 0 ? { cc } : {}),
        ...(bcc.length > 0 ? { bcc } : {}),
        subject: body.subject,
        ...(text !== '' ? { text } : {}),
        ...(html !== '' ? { html } : {}),
        headers,
        attachments,
        // Everything comes from the request itself: never read a file or a URL named in it.
        disableFileAccess: true,
        disableUrlAccess: true,
      })
        .compile()
        .createReadStream(),
  };
}
