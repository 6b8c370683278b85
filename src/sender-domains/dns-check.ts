// Verification of a sender domain (SPEC §5): asks the DNS servers of PETREL_DNS_SERVERS for each record
// the domain should publish. A record is verified only when what is found matches exactly (TXT strings
// joined, names compared without case or trailing dot); otherwise its status says what was expected
// where and what was found. SPF and DMARC are reported as advice. The Ed25519 record, when the domain
// has one, is checked like the RSA one.
import { Resolver } from 'node:dns/promises';
import type { DomainCheck, SenderDomainRow } from '../store/repositories/sender-domains.js';
import { expectedRecords, type ExpectedRecord, type RecordKind, type RecordTargets } from './records.js';

export interface DnsCheckOptions extends RecordTargets {
  dnsServers: readonly string[];
  timeoutMs?: number;
}

type Lookup = { found: string[] } | { failed: string };

export class DomainChecker {
  private readonly resolver: Resolver;

  constructor(private readonly options: DnsCheckOptions) {
    this.resolver = new Resolver({ timeout: options.timeoutMs ?? 3000, tries: 2 });
    if (options.dnsServers.length > 0) this.resolver.setServers([...options.dnsServers]);
  }

  async check(row: SenderDomainRow): Promise<DomainCheck> {
    const records = expectedRecords(row, this.options);
    const results = await Promise.all(records.map((r) => this.checkRecord(r)));
    const of = (kind: RecordKind) => results[records.findIndex((r) => r.kind === kind)];
    const [dkim, rpath, tracking, ed25519] = [of('dkim'), of('rpath'), of('tracking'), of('ed25519')];
    const [spf, dmarc] = await Promise.all([this.spfAdvice(row.domain), this.dmarcAdvice(row.domain)]);
    return {
      dkim_verified: dkim?.verified ? 1 : 0,
      dkim_status: dkim?.status ?? '',
      rpath_verified: rpath?.verified ? 1 : 0,
      rpath_status: rpath?.status ?? '',
      tracking_verified: tracking?.verified ? 1 : 0,
      tracking_status: tracking?.status ?? '',
      ed25519_verified: ed25519?.verified ? 1 : 0,
      ed25519_status: ed25519?.status ?? '',
      spf_status: spf,
      dmarc_status: dmarc,
      checked_at: new Date().toISOString(),
    };
  }

  private async checkRecord(record: ExpectedRecord): Promise<{ verified: boolean; status: string }> {
    const expected = `a ${record.type} record '${record.value}' at ${record.name}`;
    if (record.value === '') {
      return {
        verified: false,
        status: `Cannot be verified: PETREL_RETURN_PATH_HOST is not set, so there is no host for the CNAME at ${record.name} to point to`,
      };
    }
    const lookup = await this.lookup(record.type, record.name);
    if ('failed' in lookup) return { verified: false, status: `Expected ${expected}; ${lookup.failed}` };
    const wanted = normalise(record);
    if (lookup.found.some((f) => normalise({ ...record, value: f }) === wanted))
      return { verified: true, status: '' };
    if (lookup.found.length === 0)
      return { verified: false, status: `Expected ${expected}; found no ${record.type} record there` };
    const found = lookup.found.map((f) => `'${f}'`).join(', ');
    return { verified: false, status: `Expected ${expected}; found ${found} instead` };
  }

  private async lookup(type: 'TXT' | 'CNAME', name: string): Promise<Lookup> {
    try {
      if (type === 'TXT') return { found: (await this.resolver.resolveTxt(name)).map((s) => s.join('')) };
      return { found: await this.resolver.resolveCname(name) };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return { found: [] };
      return { failed: `the DNS query failed (${code ?? 'error'})` };
    }
  }

  private async spfAdvice(domain: string): Promise<string> {
    const lookup = await this.lookup('TXT', domain);
    if ('failed' in lookup) return `SPF could not be checked: ${lookup.failed}`;
    const spf = lookup.found.filter((t) => /^v=spf1(\s|$)/i.test(t));
    if (spf.length === 0)
      return `No SPF record at ${domain}; publish one (e.g. 'v=spf1 ~all' plus your senders) so receivers can check it`;
    if (spf.length > 1) return `${spf.length} SPF records at ${domain}: receivers treat that as an error`;
    return `SPF record at ${domain}: '${spf[0] ?? ''}'`;
  }

  private async dmarcAdvice(domain: string): Promise<string> {
    const name = `_dmarc.${domain}`;
    const lookup = await this.lookup('TXT', name);
    if ('failed' in lookup) return `DMARC could not be checked: ${lookup.failed}`;
    const dmarc = lookup.found.find((t) => /^v=DMARC1(\s*;|$)/i.test(t));
    if (dmarc === undefined)
      return `No DMARC record at ${name}; publish one (e.g. 'v=DMARC1; p=none') to receive reports`;
    return `DMARC record at ${name}: '${dmarc}'`;
  }
}

/** Exact comparison: DKIM tag lists without insignificant spaces, host names without case or final dot. */
function normalise(record: ExpectedRecord): string {
  if (record.type === 'CNAME') return record.value.toLowerCase().replace(/\.$/, '');
  return record.value
    .replace(/\s*;\s*/g, ';')
    .replace(/;$/, '')
    .trim();
}
