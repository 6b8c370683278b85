// A certificate authority made for one test run, and server certificates it signs: the MTA-STS tests'
// trust store (PETREL_MTA_STS_CA_FILE), for the HTTPS policy server and the SMTP sinks alike.
import { writeFile } from 'node:fs/promises';
import { generate } from 'selfsigned';

export interface TestCa {
  cert: string;
  key: string;
  /** A key and certificate for these DNS names, signed by this CA. */
  issue(names: string[]): Promise<{ key: string; cert: string }>;
  /** Writes the CA certificate (PEM) to `path`, for PETREL_MTA_STS_CA_FILE. */
  writeTo(path: string): Promise<void>;
}

export async function createTestCa(name = 'Petrel Test CA'): Promise<TestCa> {
  const ca = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  return {
    cert: ca.cert,
    key: ca.private,
    async issue(names) {
      const leaf = await generate([{ name: 'commonName', value: names[0] ?? 'localhost' }], {
        keyType: 'ec',
        algorithm: 'sha256',
        ca: { key: ca.private, cert: ca.cert },
        extensions: [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true },
          { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2 as const, value })) },
        ],
      });
      return { key: leaf.private, cert: leaf.cert };
    },
    writeTo: (path) => writeFile(path, ca.cert),
  };
}
