// The verified return-path hosts of sender domains (`<rpath_selector>.<domain>`, SPEC §5), as the
// inbound listener asks for them (SPEC §6): one indexed look-up of the domain per question.
import type { ReturnPathHosts } from '../inbound/return-path-hosts.js';
import { normaliseHost } from '../inbound/return-path-hosts.js';
import type { Repositories } from '../store/repositories/index.js';

export function verifiedReturnPathHosts(repos: Pick<Repositories, 'senderDomains'>): ReturnPathHosts {
  return {
    async includes(host) {
      const name = normaliseHost(host);
      const dot = name.indexOf('.');
      if (dot <= 0) return false;
      const row = await repos.senderDomains.findByName(name.slice(dot + 1));
      return row?.rpath_verified === 1 && row.rpath_selector === name.slice(0, dot);
    },
  };
}
