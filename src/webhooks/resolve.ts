/**
 * A webhook URL's host resolved when its endpoint is saved (services/webhookEndpoints.ts). Apart
 * from post.ts, which brings the HTTP client (undici): the server's main thread saves endpoints but
 * never posts, and the client stays in the delivery thread's bundle, not loaded at every start.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';

/**
 * The addresses `hostname` resolves to now, for the check when an endpoint is saved: none when it
 * does not resolve, or not within `waitMs` (a save never waits long on DNS).
 */
export function resolveNow(hostname: string, waitMs: number): Promise<string[]> {
  return new Promise((resolve) => {
    const late = setTimeout(() => resolve([]), waitMs);
    dnsLookup(hostname, { all: true }, (error, addresses: LookupAddress[]) => {
      clearTimeout(late);
      resolve(error ? [] : addresses.map((a) => a.address));
    });
  });
}
