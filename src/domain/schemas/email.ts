// Request and response schemas of /v3/email/send and /v3/email/mime (SPEC §1.7), in SMTP2GO's own field
// names and shapes, so that its documented requests and official clients work unchanged.
import { Type, type Static } from '@sinclair/typebox';
import { CommonRequestFields, Nullable } from './common.js';

/** SMTP2GO's limit: up to 100 addresses in each of to, cc and bcc. */
export const MAX_ADDRESSES_PER_FIELD = 100;

const PRINTABLE = '^[^\\u0000-\\u001f\\u007f]*$';
const PRINTABLE_HINT = 'printable characters (no line breaks or other control characters)';

const Address = Type.String({
  maxLength: 1000,
  pattern: PRINTABLE,
  patternHint: PRINTABLE_HINT,
  description: 'An email address, optionally with a name: "Jane Doe <jane@example.com>"',
});

const AddressList = (what: string, minItems = 0) =>
  Type.Array(Address, {
    minItems,
    maxItems: MAX_ADDRESSES_PER_FIELD,
    description: `${what}: up to ${MAX_ADDRESSES_PER_FIELD} addresses, each "Name <addr>" or a bare address`,
  });

const MimeType = Type.String({
  minLength: 3,
  maxLength: 255,
  pattern: '^[A-Za-z0-9][\\w!#$&^.+-]*/[A-Za-z0-9][\\w!#$&^.+-]*(\\s*;[ -~]*)?$',
  patternHint: 'a media type such as "application/pdf" (optionally with parameters)',
  description: 'The media type of the file, e.g. "application/pdf"',
});

const FileBlob = Type.String({ description: 'The file, base64-encoded' });

const Url = Type.String({
  description: 'Not supported: Petrel fetches nothing from the network; send fileblob instead',
});

const Attachment = Type.Object({
  filename: Type.String({
    minLength: 1,
    maxLength: 255,
    pattern: PRINTABLE,
    patternHint: PRINTABLE_HINT,
    description: 'The name the recipient sees',
  }),
  fileblob: Type.Optional(FileBlob),
  mimetype: Type.Optional(MimeType),
  url: Type.Optional(Url),
});

// The filename of an inline file becomes its Content-ID (the html refers to it as cid:<filename>), so it
// must be something a Content-ID can hold as written.
const Inline = Type.Object({
  filename: Type.String({
    minLength: 1,
    maxLength: 255,
    pattern: "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]+$",
    patternHint: "letters, digits and !#$%&'*+-/=?^_`{|}~.@ (it is the cid: the html refers to)",
    description: 'The content id the html refers to as cid:<filename>',
  }),
  fileblob: Type.Optional(FileBlob),
  mimetype: Type.Optional(MimeType),
  url: Type.Optional(Url),
});

const CustomHeader = Type.Object({
  header: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 127,
      pattern: '^[!-9;-~]+$',
      patternHint: 'printable ASCII without spaces or colons (a header field name)',
      description: 'The header name, e.g. "Reply-To"',
    }),
  ),
  name: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 127,
      pattern: '^[!-9;-~]+$',
      patternHint: 'printable ASCII without spaces or colons (a header field name)',
      description: 'Alias of header (SMTP2GO\'s Node.js client sends "name")',
    }),
  ),
  value: Type.String({
    maxLength: 998,
    pattern: '^[^\\r\\n\\u0000]*$',
    patternHint: 'one line of text (no line breaks)',
    description: 'The header value',
  }),
});

/** Fields both endpoints take besides the message itself. */
const SendOptions = {
  ...CommonRequestFields,
  schedule: Type.Optional(
    Nullable(
      Type.String({
        maxLength: 100,
        description:
          'Send later: "2026-01-01 12:00:00 +1300" (SMTP2GO\'s form) or ISO 8601 with a zone; in the future ' +
          'and at most 3 days ahead. The answer carries schedule_id; the email carries an X-Smtp2go-Schedule-Id header',
      }),
    ),
  ),
  fastaccept: Type.Optional(
    Type.Boolean({ description: 'Accepted and ignored: Petrel always answers once the message is stored' }),
  ),
};

export const SendEmailBody = Type.Object({
  ...SendOptions,
  sender: Type.String({
    maxLength: 1000,
    pattern: PRINTABLE,
    patternHint: PRINTABLE_HINT,
    description: 'The From address, optionally with a name: "Jane Doe <jane@example.com>"',
  }),
  to: AddressList('Recipients', 1),
  cc: Type.Optional(AddressList('Carbon-copy recipients')),
  bcc: Type.Optional(AddressList('Blind carbon-copy recipients (envelope only, no header)')),
  subject: Type.Optional(
    Type.String({
      maxLength: 998,
      pattern: '^[^\\u0000-\\u0008\\u000a-\\u001f\\u007f]*$',
      patternHint: 'one line of text (no line breaks or other control characters)',
      description: 'The subject (required unless template_id is given, which sets it)',
    }),
  ),
  text_body: Type.Optional(Nullable(Type.String({ description: 'The plain-text body' }))),
  html_body: Type.Optional(Nullable(Type.String({ description: 'The HTML body' }))),
  custom_headers: Type.Optional(
    Type.Array(CustomHeader, {
      maxItems: 100,
      description:
        'Extra headers, e.g. [{"header": "Reply-To", "value": "…"}]; not Content-Type, ' +
        'Content-Transfer-Encoding, MIME-Version, nor the headers the fields above set',
    }),
  ),
  attachments: Type.Optional(
    Type.Array(Attachment, { maxItems: 100, description: 'Files attached to the email' }),
  ),
  inlines: Type.Optional(
    Type.Array(Inline, {
      maxItems: 100,
      description: 'Files shown inside the HTML body, referred to as cid:<filename>',
    }),
  ),
  template_id: Type.Optional(
    Nullable(
      Type.String({
        maxLength: 200,
        description: 'A template of the account (/template/add): it sets subject, html_body and text_body',
      }),
    ),
  ),
  template_data: Type.Optional(
    Type.Unknown({
      description: 'The values of the template variables: an object, or the same as a JSON string',
    }),
  ),
  version: Type.Optional(
    Type.Integer({ description: "Accepted and ignored (SMTP2GO's PHP client sends 1)" }),
  ),
});
export type SendEmailBody = Static<typeof SendEmailBody>;

export const SendMimeBody = Type.Object({
  ...SendOptions,
  mime_email: Type.String({
    minLength: 1,
    description:
      'The whole message (RFC 5322), base64-encoded. Sender and recipients are read from its From, ' +
      'To, Cc and Bcc headers; a Bcc header is removed before the message is stored',
  }),
});
export type SendMimeBody = Static<typeof SendMimeBody>;

export const SendResult = Type.Object({
  succeeded: Type.Integer({ description: 'Recipients accepted' }),
  failed: Type.Integer({ description: 'Recipients refused (rate or monthly limit)' }),
  failures: Type.Array(Type.String(), { description: 'Why each refused recipient was refused' }),
  email_id: Nullable(
    Type.String({ description: 'The id of the stored message; null when no recipient was accepted' }),
  ),
  schedule_id: Type.Optional(
    Type.String({
      description: 'Only when schedule was given: the id for /email/scheduled/search and /remove',
    }),
  ),
});
export type SendResult = Static<typeof SendResult>;
