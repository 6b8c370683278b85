// A real DNS server on loopback (UDP, dns2) serving a small zone for delivery tests: MX, A and AAAA
// records, chosen failure codes per name, or silence (a server that never answers). Counts the queries.
import { Packet, createUDPServer, type UDPServer } from 'dns2';

export interface NameRecords {
  /** `exchange: ''` (or '.') is the null MX of RFC 7505. */
  MX?: { preference: number; exchange: string }[];
  A?: string[];
  AAAA?: string[];
  /** TXT records, each one string (split into 255-octet character-strings on the wire). */
  TXT?: string[];
  /** The name's canonical name, answered to CNAME queries. */
  CNAME?: string;
  /** Answer every query for this name with this failure instead. */
  rcode?: 'SERVFAIL' | 'NXDOMAIN' | 'REFUSED';
  /** Never answer queries for this name (a resolver timeout). */
  silent?: boolean;
}

/** Names (lower case, no trailing dot) → records. A name not in the zone is NXDOMAIN. */
export type Zone = Record<string, NameRecords>;

export interface TestDnsServer {
  /** `127.0.0.1:port`, as config.dnsServers takes it. */
  server: string;
  /** Every query received, in order: "MX example.test". */
  queries: string[];
  /** The zone served: tests may publish or delete records while the server runs. */
  zone: Zone;
  close(): Promise<void>;
}

/** dns2's record type (its namespace types are not reachable through the ESM entry). */
type Resource = InstanceType<typeof Packet>['answers'][number];

const RCODES = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const TYPE_NAMES: Record<number, string> = { 1: 'A', 5: 'CNAME', 15: 'MX', 16: 'TXT', 28: 'AAAA' };

export async function startDnsServer(
  zone: Zone,
  options: { silent?: boolean; ttl?: number } = {},
): Promise<TestDnsServer> {
  const queries: string[] = [];
  const ttl = options.ttl ?? 300;
  const server: UDPServer = createUDPServer((request, send) => {
    const question = request.questions[0];
    if (!question) return;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const type = TYPE_NAMES[question.type] ?? String(question.type);
    queries.push(`${type} ${name}`);
    const records = zone[name];
    if (options.silent || records?.silent) return;
    const response = Packet.createResponseFromRequest(request);
    response.header.ra = 1;
    if (!records) response.header.rcode = RCODES.NXDOMAIN;
    else if (records.rcode) response.header.rcode = RCODES[records.rcode];
    else {
      const base = { name: question.name, class: Packet.CLASS.IN, ttl };
      if (type === 'MX') {
        for (const mx of records.MX ?? []) {
          response.answers.push({
            ...base,
            type: Packet.TYPE.MX,
            priority: mx.preference,
            exchange: mx.exchange,
          } as Resource);
        }
      } else if (type === 'A') {
        for (const address of records.A ?? [])
          response.answers.push({ ...base, type: Packet.TYPE.A, address } as Resource);
      } else if (type === 'TXT') {
        for (const text of records.TXT ?? []) {
          const data = text.match(/[\s\S]{1,255}/g) ?? [''];
          response.answers.push({ ...base, type: Packet.TYPE.TXT, data } as unknown as Resource);
        }
      } else if (type === 'CNAME') {
        if (records.CNAME !== undefined)
          response.answers.push({ ...base, type: Packet.TYPE.CNAME, domain: records.CNAME } as Resource);
      } else if (type === 'AAAA') {
        for (const address of records.AAAA ?? []) {
          response.answers.push({ ...base, type: Packet.TYPE.AAAA, address } as Resource);
        }
      }
    }
    void send(response);
  });
  await server.listen(0, '127.0.0.1');
  const { port } = server.address();
  return {
    server: `127.0.0.1:${port}`,
    queries,
    zone,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
