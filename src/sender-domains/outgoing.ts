// What sender domains change about one outgoing message (SPEC §5), decided once per delivery from its
// From header: the DKIM key to sign each copy with (a DKIM-verified domain of the account), the VERP
// envelope sender per recipient (the verified return path, else PETREL_RETURN_PATH_HOST, else the
// customer's own) and the tracking host (a verified, enabled tracking subdomain).
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { headerValue } from '../delivery/header-block.js';
import type { MessageSource } from '../delivery/outbound.js';
import { parseMailboxList } from '../domain/mailbox.js';
import type { QueuedMessage, RecipientKind } from '../spool/index.js';
import { signedCopy, type DkimKey } from './dkim-signer.js';
import type { SenderDirectory } from './directory.js';
import { verpAddress } from './verp.js';

export interface OutgoingPlan {
  /** The keys to sign with: the RSA key, then the Ed25519 one when its record is verified too. */
  keys: DkimKey[];
  /** The envelope sender of each recipient's copy, when VERP applies. */
  mailFromFor: ((recipient: string) => string) | null;
  /** The public URL with the tracking host, when the domain's tracking subdomain is verified. */
  publicUrl: string | null;
}

export interface OutgoingOptions {
  directory: SenderDirectory;
  verpKey: Buffer;
  returnPathHost: string | null;
  publicUrl: string;
  logger: Logger;
}

const NOTHING: OutgoingPlan = { keys: [], mailFromFor: null, publicUrl: null };

/** The domain of the (first) From address, lower case; null when there is none. */
export function fromDomainOf(headers: string): string | null {
  const from = headerValue(headers, 'from');
  if (from === null) return null;
  const parsed = parseMailboxList(from);
  const address = parsed.ok ? parsed.mailboxes[0]?.address : undefined;
  const at = address?.lastIndexOf('@') ?? -1;
  return address && at > 0 ? address.slice(at + 1).toLowerCase() : null;
}

export class OutgoingAuth {
  constructor(private readonly options: OutgoingOptions) {}

  async plan(message: QueuedMessage, kind: RecipientKind, headers: string): Promise<OutgoingPlan> {
    // Petrel's own mail (bounces) carries no settings and no account domain.
    if (message.settings === null) return NOTHING;
    const { directory, logger } = this.options;
    const fromDomain = fromDomainOf(headers);
    let row = null;
    try {
      row = fromDomain === null ? null : await directory.matching(message.accountId, fromDomain);
    } catch (err) {
      logger.warn({ err, messageId: message.id }, 'delivery: sender domains could not be read');
    }
    const keys: DkimKey[] = [];
    if (row?.dkim_verified === 1) {
      try {
        keys.push({ domain: row.domain, selector: row.dkim_selector, privateKey: directory.privateKey(row) });
        const ed25519 = row.ed25519_verified === 1 ? directory.ed25519Key(row) : null;
        if (ed25519 !== null && row.ed25519_selector !== null)
          keys.push({
            domain: row.domain,
            selector: row.ed25519_selector,
            privateKey: ed25519,
            algorithm: 'ed25519',
          });
      } catch (err) {
        logger.error(
          {
            messageId: message.id,
            domain: row.domain,
            err: err instanceof Error ? err.message : String(err),
          },
          'delivery: a DKIM key cannot be opened; the message goes out without its signature',
        );
      }
    }
    const host =
      row?.rpath_verified === 1 ? `${row.rpath_selector}.${row.domain}` : this.options.returnPathHost;
    const verp = kind === 'recipient' && message.mailFrom !== '' && host !== null && host !== '';
    const tracking = row !== null && row.tracking_verified === 1 && row.tracking_enabled === 1;
    return {
      keys,
      mailFromFor: verp
        ? (recipient) => verpAddress(this.options.verpKey, message.id, recipient, host)
        : null,
      publicUrl: tracking
        ? withHost(this.options.publicUrl, `${row?.tracking_subdomain}.${row?.domain}`)
        : null,
    };
  }
}

/** The public URL with another host name (scheme, port and path kept). */
export function withHost(publicUrl: string, host: string): string {
  const url = new URL(publicUrl);
  url.hostname = host;
  return url.toString().replace(/\/+$/, '');
}

/** The same copies, each with one DKIM-Signature per key in front. */
export function signedSource(source: MessageSource, keys: readonly DkimKey[]): MessageSource {
  return {
    sameForAll: source.sameForAll,
    size: source.size,
    open: (recipient: string): Readable => signedCopy(() => source.open(recipient), keys),
  };
}
