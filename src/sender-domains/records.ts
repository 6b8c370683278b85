// The DNS records a sender domain asks its owner to publish (SPEC §5), derived from its row and the
// node's settings: the DKIM key's TXT record, the return path's CNAME, the tracking host's CNAME and,
// on domains that have one, the Ed25519 key's TXT record.
import type { SenderDomainRow } from '../store/repositories/sender-domains.js';
import { dkimRecordValue } from './keys.js';

export type RecordKind = 'dkim' | 'rpath' | 'tracking' | 'ed25519';

export interface ExpectedRecord {
  kind: RecordKind;
  name: string;
  type: 'TXT' | 'CNAME';
  /** What must be found; '' when the node has nothing to point at (no PETREL_RETURN_PATH_HOST). */
  value: string;
}

export interface RecordTargets {
  /** PETREL_RETURN_PATH_HOST, or null. */
  returnPathHost: string | null;
  /** PETREL_PUBLIC_URL: its host is the tracking CNAME's target. */
  publicUrl: string;
}

export function publicHost(publicUrl: string): string {
  return new URL(publicUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

export function expectedRecords(row: SenderDomainRow, targets: RecordTargets): ExpectedRecord[] {
  const ed25519: ExpectedRecord[] =
    row.ed25519_selector !== null && row.ed25519_public !== null
      ? [
          {
            kind: 'ed25519',
            name: `${row.ed25519_selector}._domainkey.${row.domain}`,
            type: 'TXT',
            value: dkimRecordValue(row.ed25519_public, 'ed25519'),
          },
        ]
      : [];
  return [
    {
      kind: 'dkim',
      name: `${row.dkim_selector}._domainkey.${row.domain}`,
      type: 'TXT',
      value: dkimRecordValue(row.dkim_public),
    },
    {
      kind: 'rpath',
      name: `${row.rpath_selector}.${row.domain}`,
      type: 'CNAME',
      value: targets.returnPathHost?.toLowerCase() ?? '',
    },
    {
      kind: 'tracking',
      name: `${row.tracking_subdomain}.${row.domain}`,
      type: 'CNAME',
      value: publicHost(targets.publicUrl),
    },
    ...ed25519,
  ];
}
