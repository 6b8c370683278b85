// The corpus of returned mail the inbound tests deliver (SPEC §6, issue 12): the shapes that real mail
// systems send back — RFC 3464 reports as Exchange Online, Gmail, Postfix and Sendmail write them,
// Exim's, qmail's and an old Exchange's plain-text bounces, a mailbox-full gateway notice, a vacation
// reply, an ARF complaint and a delay notice. Written here from the formats' descriptions; no copied mail.

export interface ReturnedContext {
  /** The VERP address the bounce is sent to (the envelope recipient and To:). */
  verp: string;
  /** The recipient whose delivery failed. */
  recipient: string;
  /** The original message's header block, as the sink received it. */
  originalHeaders: string;
  subject: string;
}

export interface Expected {
  event: 'hard-bounced' | 'soft-bounced' | 'spam' | null;
  smtpResponse?: string | null;
  host?: string | null;
  /** The suppression reason expected for the recipient, or null for none. */
  suppression: 'suppressed' | 'spam' | null;
  /** Whether the sender gets a DSN (with bounce_notifications "from"). */
  notice: boolean;
}

export interface Shape {
  name: string;
  build(ctx: ReturnedContext): string;
  expect(ctx: ReturnedContext): Expected;
}

const crlf = (lines: string[]): string => lines.join('\r\n') + '\r\n';

function dsn(
  ctx: ReturnedContext,
  o: {
    from: string;
    subject: string;
    extraHeaders?: string[];
    human: string[];
    perMessage: string[];
    perRecipient: string[];
    fullCopy?: boolean;
  },
): string {
  const b = 'report-boundary-7f3a';
  return crlf([
    `From: ${o.from}`,
    `To: <${ctx.verp}>`,
    `Subject: ${o.subject}`,
    'Date: Fri, 04 Dec 2026 09:00:00 +0000',
    'Message-ID: <report-' + Math.random().toString(36).slice(2) + '@reports.test>',
    ...(o.extraHeaders ?? []),
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;`,
    `\tboundary="${b}"`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${b}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    ...o.human,
    '',
    `--${b}`,
    'Content-Type: message/delivery-status',
    '',
    ...o.perMessage,
    '',
    ...o.perRecipient,
    '',
    `--${b}`,
    o.fullCopy ? 'Content-Type: message/rfc822' : 'Content-Type: text/rfc822-headers',
    '',
    ctx.originalHeaders.replace(/\r?\n/g, '\r\n'),
    ...(o.fullCopy ? ['', 'The original text.'] : []),
    '',
    `--${b}--`,
  ]);
}

function plain(from: string, subject: string, ctx: ReturnedContext, extra: string[], body: string[]): string {
  return crlf([
    `From: ${from}`,
    `To: ${ctx.verp}`,
    `Subject: ${subject}`,
    'Date: Fri, 04 Dec 2026 09:00:00 +0000',
    ...extra,
    '',
    ...body,
  ]);
}

export const CORPUS: readonly Shape[] = [
  {
    name: 'Exchange Online / Office 365 NDR (DSN, recipient not found)',
    build: (ctx) =>
      dsn(ctx, {
        from: 'Microsoft Outlook <postmaster@outlook.test>',
        subject: `Undeliverable: ${ctx.subject}`,
        extraHeaders: ['X-MS-Exchange-Message-Is-Ndr:', 'Content-Language: en-US'],
        human: [
          'Your message to ' + ctx.recipient + " couldn't be delivered.",
          "The email address wasn't found at the destination domain.",
          'Remote server returned 550 5.1.10 RESOLVER.ADR.RecipientNotFound',
        ],
        perMessage: [
          'Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.outlook.test',
          'Received-From-MTA: dns;mta1.petrel.test',
          'Arrival-Date: Fri, 4 Dec 2026 08:59:58 +0000',
        ],
        perRecipient: [
          `Original-Recipient: rfc822;${ctx.recipient}`,
          `Final-Recipient: rfc822;${ctx.recipient}`,
          'Action: failed',
          'Status: 5.1.10',
          'Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP',
          ' address lookup',
        ],
      }),
    expect: () => ({
      event: 'hard-bounced',
      smtpResponse: '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
      host: 'AM0PR01MB1234.eurprd01.prod.outlook.test',
      suppression: 'suppressed',
      notice: true,
    }),
  },
  {
    name: 'Gmail (DSN, account does not exist, multi-line reply)',
    build: (ctx) =>
      dsn(ctx, {
        from: 'Mail Delivery Subsystem <mailer-daemon@googlemail.test>',
        subject: 'Delivery Status Notification (Failure)',
        human: [
          '** Address not found **',
          '',
          `Your message wasn't delivered to ${ctx.recipient} because the address couldn't be found,`,
          'or is unable to receive mail.',
        ],
        perMessage: [
          'Reporting-MTA: dns; googlemail.test',
          'Arrival-Date: Fri, 04 Dec 2026 00:59:58 -0800 (PST)',
        ],
        perRecipient: [
          `Final-Recipient: rfc822; ${ctx.recipient}`,
          'Action: failed',
          'Status: 5.1.1',
          'Remote-MTA: dns; gmail-smtp-in.l.google.test. (192.0.2.27, the server for the domain far.test.)',
          'Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.',
          "    550 5.1.1 Please try double-checking the recipient's email address. x1si1234.27 - gsmtp",
          'Last-Attempt-Date: Fri, 04 Dec 2026 00:59:59 -0800 (PST)',
        ],
      }),
    expect: () => ({
      event: 'hard-bounced',
      smtpResponse:
        "550-5.1.1 The email account that you tried to reach does not exist. 550 5.1.1 Please try double-checking the recipient's email address. x1si1234.27 - gsmtp",
      host: 'gmail-smtp-in.l.google.test',
      suppression: 'suppressed',
      notice: true,
    }),
  },
  {
    name: 'Postfix (DSN carrying Auto-Submitted: auto-replied)',
    build: (ctx) =>
      dsn(ctx, {
        from: 'MAILER-DAEMON@relay.postfix.test (Mail Delivery System)',
        subject: 'Undelivered Mail Returned to Sender',
        extraHeaders: ['Auto-Submitted: auto-replied'],
        human: [
          'This is the mail system at host relay.postfix.test.',
          '',
          "I'm sorry to have to inform you that your message could not",
          'be delivered to one or more recipients.',
        ],
        perMessage: [
          'Reporting-MTA: dns; relay.postfix.test',
          'X-Postfix-Queue-ID: 4ZQ1x2abcd',
          'Arrival-Date: Fri,  4 Dec 2026 09:00:00 +0000 (UTC)',
        ],
        perRecipient: [
          `Final-Recipient: rfc822; ${ctx.recipient}`,
          `Original-Recipient: rfc822;${ctx.recipient}`,
          'Action: failed',
          'Status: 5.1.1',
          'Remote-MTA: dns; mx.far.test',
          `Diagnostic-Code: smtp; 550 5.1.1 <${ctx.recipient}>: Recipient address rejected: User unknown in`,
          '    local recipient table',
        ],
      }),
    expect: (ctx) => ({
      event: 'hard-bounced',
      smtpResponse: `550 5.1.1 <${ctx.recipient}>: Recipient address rejected: User unknown in local recipient table`,
      host: 'mx.far.test',
      suppression: 'suppressed',
      notice: true,
    }),
  },
  {
    name: 'Sendmail (DSN with upper-case types and the whole message returned)',
    build: (ctx) =>
      dsn(ctx, {
        from: 'Mail Delivery Subsystem <MAILER-DAEMON@sendmail.test>',
        subject: 'Returned mail: see transcript for details',
        extraHeaders: ['Auto-Submitted: auto-generated (failure)'],
        human: [
          'The original message was received at Fri, 4 Dec 2026 09:00:00 GMT',
          'from mta1.petrel.test [192.0.2.2]',
          '',
          '   ----- The following addresses had permanent fatal errors -----',
          `<${ctx.recipient}>`,
          '    (reason: 550 5.1.1 User unknown)',
        ],
        perMessage: ['Reporting-MTA: DNS; sendmail.test', 'Arrival-Date: Fri, 4 Dec 2026 09:00:00 GMT'],
        perRecipient: [
          `Final-Recipient: RFC822; ${ctx.recipient}`,
          'Action: failed',
          'Status: 5.1.1',
          'Remote-MTA: DNS; mail.far.test',
          `Diagnostic-Code: SMTP; 550 5.1.1 <${ctx.recipient}>... User unknown`,
          'Last-Attempt-Date: Fri, 4 Dec 2026 09:00:01 GMT',
        ],
        fullCopy: true,
      }),
    expect: (ctx) => ({
      event: 'hard-bounced',
      smtpResponse: `550 5.1.1 <${ctx.recipient}>... User unknown`,
      host: 'mail.far.test',
      suppression: 'suppressed',
      notice: true,
    }),
  },
  {
    name: 'Exim (plain-text bounce, Auto-Submitted, reply code in the text)',
    build: (ctx) =>
      plain(
        'Mail Delivery System <Mailer-Daemon@mx.exim.test>',
        'Mail delivery failed: returning message to sender',
        ctx,
        ['Auto-Submitted: auto-replied', 'X-Failed-Recipients: ' + ctx.recipient],
        [
          'This message was created automatically by mail delivery software.',
          '',
          'A message that you sent could not be delivered to one or more of its',
          'recipients. This is a permanent error. The following address(es) failed:',
          '',
          `  ${ctx.recipient}`,
          `    host mx.far.test [192.0.2.10]`,
          `    SMTP error from remote mail server after RCPT TO:<${ctx.recipient}>:`,
          `    550 5.1.1 <${ctx.recipient}>: Recipient address rejected: mailbox unavailable`,
          '',
          '------ This is a copy of the message, including all the headers. ------',
          '',
          ctx.originalHeaders,
          '',
          'Hello. 451 4.7.1 this line is part of the copy and must not be read',
        ],
      ),
    expect: (ctx) => ({
      event: 'hard-bounced',
      smtpResponse: `550 5.1.1 <${ctx.recipient}>: Recipient address rejected: mailbox unavailable`,
      host: 'mx.far.test',
      suppression: 'suppressed',
      notice: true,
    }),
  },
  {
    name: 'qmail (plain-text bounce, only "(#5.1.1)")',
    build: (ctx) =>
      plain(
        'MAILER-DAEMON@qmail.test',
        'failure notice',
        ctx,
        [],
        [
          'Hi. This is the qmail-send program at qmail.test.',
          "I'm afraid I wasn't able to deliver your message to the following addresses.",
          "This is a permanent error; I've given up. Sorry it didn't work out.",
          '',
          `<${ctx.recipient}>:`,
          'Sorry, no mailbox here by that name. (#5.1.1)',
          '',
          '--- Below this line is a copy of the message.',
          '',
          ctx.originalHeaders,
        ],
      ),
    expect: () => ({
      event: 'hard-bounced',
      smtpResponse: 'Sorry, no mailbox here by that name. (#5.1.1)',
      host: null,
      suppression: 'suppressed',
      notice: true,
    }),
  },
  {
    name: 'Old Exchange (plain-text NDR, no code, only words)',
    build: (ctx) =>
      plain(
        'System Administrator <postmaster@exchange.test>',
        `Undeliverable: ${ctx.subject}`,
        ctx,
        [],
        [
          'Your message did not reach some or all of the intended recipients.',
          '',
          `      Subject:  ${ctx.subject}`,
          '      Sent:     04/12/2026 09:00',
          '',
          'The following recipient(s) cannot be reached:',
          '',
          `      ${ctx.recipient} on 04/12/2026 09:00`,
          '            The e-mail account does not exist at the organization this message was sent to.',
        ],
      ),
    expect: () => ({
      event: 'hard-bounced',
      smtpResponse: 'The e-mail account does not exist at the organization this message was sent to.',
      host: null,
      suppression: 'suppressed',
      notice: true,
    }),
  },
  {
    name: 'Gateway bounce of a full mailbox (5xx that is temporary in practice)',
    build: (ctx) =>
      plain(
        'Mail Delivery System <mailer-daemon@gw.test>',
        'Delivery failure',
        ctx,
        [],
        [
          `Delivery to ${ctx.recipient} failed.`,
          'Remote host said: 552 5.2.2 The mailbox of this recipient is full',
        ],
      ),
    expect: () => ({
      event: 'soft-bounced',
      smtpResponse: '552 5.2.2 The mailbox of this recipient is full',
      host: null,
      suppression: null,
      notice: false,
    }),
  },
  {
    name: 'DSN with Action: delayed',
    build: (ctx) =>
      dsn(ctx, {
        from: 'MAILER-DAEMON@relay.postfix.test (Mail Delivery System)',
        subject: 'Delayed Mail (still being retried)',
        extraHeaders: ['Auto-Submitted: auto-replied'],
        human: [
          'This is the mail system at host relay.postfix.test.',
          '',
          '####################################################################',
          '# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #',
        ],
        perMessage: [
          'Reporting-MTA: dns; relay.postfix.test',
          'Arrival-Date: Fri,  4 Dec 2026 05:00:00 +0000 (UTC)',
        ],
        perRecipient: [
          `Final-Recipient: rfc822; ${ctx.recipient}`,
          'Action: delayed',
          'Status: 4.4.1',
          'Remote-MTA: dns; mx.far.test',
          'Diagnostic-Code: X-Postfix; connect to mx.far.test[192.0.2.10]:25: Connection timed out',
          'Will-Retry-Until: Mon,  7 Dec 2026 05:00:00 +0000 (UTC)',
        ],
      }),
    expect: () => ({
      event: 'soft-bounced',
      smtpResponse: 'connect to mx.far.test[192.0.2.10]:25: Connection timed out',
      host: 'mx.far.test',
      suppression: null,
      notice: false,
    }),
  },
  {
    name: 'ARF complaint (RFC 5965 feedback report)',
    build: (ctx) => {
      const b = 'arf-boundary-91c2';
      return crlf([
        'From: Feedback Loop <fbl@isp.test>',
        `To: ${ctx.verp}`,
        'Subject: FW: ' + ctx.subject,
        'Date: Fri, 04 Dec 2026 09:00:00 +0000',
        'MIME-Version: 1.0',
        `Content-Type: multipart/report; report-type=feedback-report; boundary="${b}"`,
        '',
        `--${b}`,
        'Content-Type: text/plain; charset="US-ASCII"',
        '',
        'This is an email abuse report for an email message received from IP 192.0.2.2.',
        '',
        `--${b}`,
        'Content-Type: message/feedback-report',
        '',
        'Feedback-Type: abuse',
        'User-Agent: ExampleFBL/2.1',
        'Version: 1',
        'Original-Mail-From: <' + ctx.verp + '>',
        `Original-Rcpt-To: <${ctx.recipient}>`,
        'Arrival-Date: Fri, 04 Dec 2026 08:59:00 +0000',
        'Reporting-MTA: dns; fbl.isp.test',
        'Source-IP: 192.0.2.2',
        '',
        `--${b}`,
        'Content-Type: message/rfc822',
        'Content-Disposition: inline',
        '',
        ctx.originalHeaders,
        '',
        'The original text.',
        `--${b}--`,
      ]);
    },
    expect: () => ({
      event: 'spam',
      smtpResponse: null,
      host: 'fbl.isp.test',
      suppression: 'spam',
      notice: false,
    }),
  },
  {
    name: 'Vacation reply (auto-reply: ignored)',
    build: (ctx) =>
      plain(
        `Alice <${ctx.recipient}>`,
        `Out of Office: ${ctx.subject}`,
        ctx,
        [
          'Auto-Submitted: auto-replied',
          'X-Autoreply: yes',
          'Precedence: auto_reply',
          'In-Reply-To: <original@shop.test>',
        ],
        [
          'I am away until Monday with limited access to email; this message was not delivered to',
          'a colleague. Your mail will be read when I return.',
        ],
      ),
    expect: () => ({ event: null, suppression: null, notice: false }),
  },
];
