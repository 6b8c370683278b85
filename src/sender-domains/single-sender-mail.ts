// The verification message of a single sender email (SPEC §5): from PETREL_SYSTEM_SENDER, with a signed
// one-time link under <PETREL_PUBLIC_URL>/v/. Only the token's hash is stored; the link is the secret.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

export const VERIFY_PATH = '/v/';

export function newVerificationToken(): { token: string; hash: string } {
  const token = randomBytes(24).toString('base64url');
  return { token, hash: tokenHash(token) };
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(`petrel-single-sender.${token}`).digest('hex');
}

export function systemSenderOf(config: { systemSender: string; hostname: string }): string {
  return config.systemSender === '' ? `no-reply@${config.hostname}` : config.systemSender;
}

export function verificationMessage(options: {
  from: string;
  to: string;
  link: string;
  note: string | undefined;
  hostname: string;
}): Readable {
  const note = options.note ? `${options.note.replace(/\r?\n/g, '\r\n')}\r\n\r\n` : '';
  const text = [
    `From: Petrel <${options.from}>`,
    `To: <${options.to}>`,
    'Subject: Confirm your sender address',
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${options.hostname}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    'Auto-Submitted: auto-generated',
    '',
    `${note}Someone asked to send email as ${options.to} through this Petrel relay.`,
    'To confirm, open this link and press the button:',
    '',
    options.link,
    '',
    'If it was not you, ignore this message.',
    '',
  ].join('\r\n');
  return Readable.from([Buffer.from(text, 'utf8')]);
}
