// Which hosts are Petrel's return-path hosts (SPEC §5, §6): the inbound listener accepts VERP addresses
// (and postmaster@) at these hosts only. From configuration now; verified `<rpath_selector>.<domain>`
// hosts of sender domains join through the same interface.

export interface ReturnPathHosts {
  /** Whether `host` (any case, no trailing dot) is one of Petrel's return-path hosts. */
  includes(host: string): Promise<boolean>;
}

/** Normalises a host as written in an address: lower case, without a trailing dot. */
export function normaliseHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

/** The hosts of PETREL_RETURN_PATH_HOST (none when it is not set). */
export function configuredReturnPathHosts(returnPathHost: string | null): ReturnPathHosts {
  const hosts = new Set(returnPathHost === null ? [] : [normaliseHost(returnPathHost)]);
  return { includes: (host) => Promise.resolve(hosts.has(normaliseHost(host))) };
}

/** A host is accepted when any of `sources` accepts it (configured host, verified sender domains…). */
export function anyReturnPathHost(...sources: ReturnPathHosts[]): ReturnPathHosts {
  return {
    async includes(host) {
      for (const source of sources) if (await source.includes(host)) return true;
      return false;
    },
  };
}
