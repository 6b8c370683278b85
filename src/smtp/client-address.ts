// What the SMTP server decides from the client's address alone: is it loopback, must it use TLS before
// AUTH (SPEC §2.1), and which SMTP user does IP authentication map it to (SPEC §2.2).
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Config, IpAuthEntry } from '../config/settings.js';

export function isLoopback(address: string): boolean {
  const plain = address.replace(/^::ffff:/i, '');
  if (isIPv4(plain)) return plain.startsWith('127.');
  return isIPv6(plain) && /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(plain);
}

/** Whether AUTH must wait for TLS on a connection from `address` (PETREL_SMTP_AUTH_REQUIRES_TLS). */
export function authNeedsTls(mode: Config['smtpAuthRequiresTls'], address: string): boolean {
  if (mode === 'never') return false;
  if (mode === 'always') return true;
  return !isLoopback(address);
}

interface IpAuthRule {
  list: BlockList;
  prefix: number;
  username: string;
}

/** The configured IP/CIDR → SMTP user map; the most specific matching block wins. */
export class IpAuthMap {
  readonly #rules: IpAuthRule[];

  constructor(entries: IpAuthEntry[]) {
    this.#rules = entries.map((entry) => {
      const [ip = '', bits] = entry.network.split('/');
      const type = isIPv6(ip) ? 'ipv6' : 'ipv4';
      const prefix = bits === undefined ? (type === 'ipv6' ? 128 : 32) : Number(bits);
      const list = new BlockList();
      list.addSubnet(ip, prefix, type);
      return { list, prefix, username: entry.username };
    });
  }

  get isEmpty(): boolean {
    return this.#rules.length === 0;
  }

  usernameFor(address: string): string | null {
    const plain = address.replace(/^::ffff:(?=\d+\.)/i, '');
    const type = isIPv6(plain) ? 'ipv6' : isIPv4(plain) ? 'ipv4' : null;
    if (type === null) return null;
    let best: IpAuthRule | null = null;
    for (const rule of this.#rules) {
      if (rule.list.check(plain, type) && (best === null || rule.prefix > best.prefix)) best = rule;
    }
    return best?.username ?? null;
  }
}
