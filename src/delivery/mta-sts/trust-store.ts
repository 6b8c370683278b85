// The certificate authorities MTA-STS trusts, for the policy fetch and the MX certificate check alike:
// the system's roots plus, when configured, the operator's own (PETREL_MTA_STS_CA_FILE; tests use theirs).
import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { ConfigError } from '../../config/settings.js';

export interface TrustStore {
  /** Built once: parsing ~150 root certificates for every connection would cost more than the TLS. */
  secureContext: SecureContext;
}

export function loadTrustStore(caFile: string | null): TrustStore {
  if (caFile === null) return { secureContext: createSecureContext({}) };
  let extra: string;
  try {
    extra = readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new ConfigError('PETREL_MTA_STS_CA_FILE', `cannot be read: ${(err as Error).message}`);
  }
  if (!extra.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError('PETREL_MTA_STS_CA_FILE', `holds no PEM certificate (${caFile})`);
  }
  return { secureContext: createSecureContext({ ca: [...rootCertificates, extra] }) };
}
