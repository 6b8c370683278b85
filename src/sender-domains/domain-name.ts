// What a sender domain may be (SPEC §5): a host name under a public suffix, never a public suffix itself
// (`co.uk`, `github.io`), split the way SMTP2GO's answers show it (fulldomain, subdomain, domain, suffix).
import { parse } from 'tldts';
import { fieldError } from '../domain/errors.js';

export interface DomainParts {
  fulldomain: string;
  /** The labels left of the registrable domain (`mail` of mail.example.com), or null. */
  subdomain: string | null;
  /** The registrable domain without its suffix (`example`). */
  domain: string;
  suffix: string;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Checks a domain named in `field`; the §1.2 error names the field and what was found. */
export function parseSenderDomain(input: string, field = 'domain'): DomainParts {
  const name = input.trim().toLowerCase().replace(/\.$/, '');
  const shown = JSON.stringify(input).slice(1, -1);
  if (name.length === 0 || name.length > 253 || !name.split('.').every((l) => LABEL.test(l)))
    throw fieldError(field, `must be a domain name such as example.com, found '${shown}'`);
  const parsed = parse(name, { allowPrivateDomains: true });
  if (!parsed.publicSuffix || !parsed.domain || parsed.domainWithoutSuffix === null) {
    throw fieldError(
      field,
      `must be a domain under a public suffix, found '${shown}', which is itself a public suffix`,
    );
  }
  return {
    fulldomain: name,
    subdomain: parsed.subdomain === '' || parsed.subdomain === null ? null : parsed.subdomain,
    domain: parsed.domainWithoutSuffix,
    suffix: parsed.publicSuffix,
  };
}

/** Checks a subdomain label (tracking_subdomain, returnpath_subdomain…). */
export function parseSubdomainLabel(input: string, field: string): string {
  const label = input.trim().toLowerCase();
  if (!label.split('.').every((l) => LABEL.test(l)))
    throw fieldError(
      field,
      `must be a subdomain label such as 'link' (letters, digits, hyphens), found '${JSON.stringify(input).slice(1, -1)}'`,
    );
  return label;
}
