/**
 * TRUST_PROXY (issue 20 item 2): which proxies in front of the server may tell it the client's
 * address through `X-Forwarded-For` (and the scheme and host through `X-Forwarded-Proto`/`-Host`).
 * The values are Fastify's `trustProxy` forms:
 * - `off` (default): nobody; the client is the TCP peer, and a forged header changes nothing;
 * - `on`: every hop (only when the server is reachable through the proxy alone);
 * - a hop count `1`…`10`: the address that many hops in front of the server;
 * - a comma-separated list of proxy addresses or CIDR ranges (`10.0.0.0/8, ::1`), or the names
 *   `loopback`, `linklocal`, `uniquelocal`.
 */
import { classifyAddress } from './webhooks.js';

export type TrustProxy = boolean | number | string[];

const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const MAX_HOPS = 10;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEXTET = /^[0-9a-f]{1,4}$/;

/** 4 for a dotted IPv4 address, 6 for an IPv6 one (`::` at most once, an IPv4 tail allowed), else 0. */
export function ipFamily(address: string): 0 | 4 | 6 {
  if (IPV4.test(address)) return 4;
  const halves = address.toLowerCase().split('::');
  if (halves.length > 2) return 0;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  const all = groups.flat();
  const tail = all.at(-1);
  const tailIsV4 = tail !== undefined && IPV4.test(tail);
  const hextets = tailIsV4 ? all.slice(0, -1) : all;
  if (!hextets.every((h) => HEXTET.test(h))) return 0;
  const width = hextets.length + (tailIsV4 ? 2 : 0);
  return (halves.length === 2 ? width < 8 : width === 8) ? 6 : 0;
}

/** One list entry: an address, an address/prefix, or a named range. */
function isProxyEntry(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, prefix, extra] = entry.split('/');
  if (extra !== undefined || address === undefined) return false;
  const family = ipFamily(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Parses the setting; `{ problem }` names what is wrong in words for the one-line start-up error. */
export function parseTrustProxy(raw: string | undefined): TrustProxy | { problem: string } {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '' || value === 'off' || value === 'false' || value === '0') return false;
  if (value === 'on' || value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops <= MAX_HOPS ? hops : { problem: `must be at most ${MAX_HOPS} hops` };
  }
  const entries = value.split(',').map((e) => e.trim()).filter((e) => e !== '');
  const bad = entries.find((e) => !isProxyEntry(e));
  if (entries.length === 0 || bad !== undefined) {
    return { problem: `must be off, on, a hop count, or a comma-separated list of proxy addresses or CIDR ranges (${bad === undefined ? 'none given' : `not an address: ${bad}`})` };
  }
  return entries;
}

/**
 * An X-Forwarded-For value as the proxy check should read it: the ports some proxies write after
 * each address (Azure's gateways, IIS ARR: `203.0.113.7:50123`, `[2001:db8::7]:443`) taken off, with
 * IPv6 brackets (the port is the client's source port, new for each connection: with it every
 * request would be a new client to the limits and the audit log), and entries that are no address
 * at all (`unknown`, text a client wrote) left out, so none is ever taken for the client's address
 * (with TRUST_PROXY=on a client writes the leftmost one). Null when no address is left.
 */
export function forwardedAddresses(header: string): string | null {
  const addresses = header
    .split(',')
    .map((raw) => {
      const entry = raw.trim();
      const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry);
      if (v4) return v4[1]!;
      const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(entry);
      return bracketed ? bracketed[1]! : entry;
    })
    .filter((entry) => ipFamily(entry) !== 0);
  return addresses.length === 0 ? null : addresses.join(', ');
}

/**
 * With TRUST_PROXY off: whether a request from `peer` carrying X-Forwarded-For comes through a proxy
 * of this installation (the peer on this machine or a private network), so that every client is
 * counted as that proxy: a setting forgotten, worth saying. A header from a public peer is a client
 * writing it itself, which off rightly ignores.
 */
export function forwardedByOwnProxy(peer: string, forwardedFor: string | undefined): boolean {
  if (forwardedFor === undefined || forwardedFor.trim() === '') return false;
  const kind = classifyAddress(peer);
  return kind === 'loopback' || kind === 'private';
}
