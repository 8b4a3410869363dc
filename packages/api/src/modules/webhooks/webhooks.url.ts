import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Where a URL's host may point: never inside our network (SSRF); loopback only when the server allows it. */
export interface UrlPolicy {
  /** WEBHOOKS_ALLOW_LOOPBACK: http and loopback addresses, for development and tests. */
  allowLoopback: boolean;
}

type Range = 'loopback' | 'private' | 'link-local' | 'unique-local' | 'reserved';

const ranges: [Range, BlockList][] = (() => {
  const make = (v4: string[], v6: string[]) => {
    const list = new BlockList();
    for (const cidr of v4) list.addSubnet(cidr.split('/')[0]!, Number(cidr.split('/')[1]), 'ipv4');
    for (const cidr of v6) list.addSubnet(cidr.split('/')[0]!, Number(cidr.split('/')[1]), 'ipv6');
    return list;
  };
  return [
    ['loopback', make(['127.0.0.0/8'], ['::1/128'])],
    ['private', make(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], [])],
    ['link-local', make(['169.254.0.0/16'], ['fe80::/10'])],
    ['unique-local', make([], ['fc00::/7'])],
    // "This network", IETF protocol assignments, benchmarking, multicast, reserved and broadcast: nothing to deliver to.
    ['reserved', make(['0.0.0.0/8', '192.0.0.0/24', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4'], ['::/128', 'ff00::/8'])],
  ];
})();

/** The range an address falls in, or null for a public one. IPv4 written as IPv6 (`::ffff:10.0.0.5`) is the IPv4. */
export function rangeOf(address: string): Range | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? mapped[1]! : address;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  for (const [range, list] of ranges) if (list.check(ip, family)) return range;
  return null;
}

/** Why an address may not be delivered to, or null when it may. */
export function refusalOf(address: string, policy: UrlPolicy): string | null {
  const range = rangeOf(address);
  if (range === null || (range === 'loopback' && policy.allowLoopback)) return null;
  return `resolves to a ${range} address ${address}`;
}

/** Why a URL cannot be an endpoint before any lookup (scheme, credentials), or null. */
export function shapeRefusal(url: URL, policy: UrlPolicy): string | null {
  if (url.protocol !== 'https:' && !(policy.allowLoopback && url.protocol === 'http:')) return 'must use https';
  if (url.username || url.password) return 'must not contain a user name or password';
  return null;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

/**
 * Every address the URL's host resolves to must be public (any private one refuses it: DNS may answer either).
 * Checked at registration and again by the delivery's own connection (see `guardedLookup`), as DNS can change.
 */
export async function urlRefusal(raw: string, policy: UrlPolicy): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not an absolute URL';
  }
  const shape = shapeRefusal(url, policy);
  if (shape) return shape;
  const host = hostOf(url);
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    return `host ${host} does not resolve`;
  }
  if (addresses.length === 0) return `host ${host} does not resolve`;
  for (const a of addresses) {
    const refusal = refusalOf(a, policy);
    if (refusal) return refusal;
  }
  return null;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;

/**
 * A `lookup` for node:http that refuses a host resolving to any address the policy forbids: the connection is
 * made to the very address checked, so a DNS answer that changed since registration (or between a check and the
 * connect) cannot point a delivery inside our network.
 */
export function guardedLookup(policy: UrlPolicy) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    const host = hostname.replace(/^\[|\]$/g, '');
    const resolved = isIP(host) ? Promise.resolve([{ address: host, family: isIP(host) }]) : dnsLookup(host, { all: true, verbatim: true });
    resolved.then(
      (addresses) => {
        for (const a of addresses) {
          const refusal = refusalOf(a.address, policy);
          if (refusal) return callback(Object.assign(new Error(`refused: ${hostname} ${refusal}`), { code: 'EWEBHOOKREFUSED' }), '', 0);
        }
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return callback(null, addresses);
        return callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}
