/**
 * One webhook POST (SPEC §13): the host is resolved now, at delivery time (DNS may have changed
 * since the endpoint was saved), and the request goes to an address that passed the SSRF check —
 * the check runs inside the connection's own lookup, so the address checked is the address
 * connected to. A redirect is an answer like any other (never followed); the whole exchange is
 * aborted after the timeout.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress, mayConnect } from '../core/webhooks.js';

/** A delivery refused before connecting: the host is (or resolves to) an address deliveries may not reach. */
export class RefusedAddress extends Error {
  constructor(host: string, address: string) {
    const kind = classifyAddress(address) ?? 'unknown';
    super(`refused: ${host} is ${host === address ? 'a' : `${address}, a`} ${kind} address (WEBHOOKS_ALLOW_PRIVATE=on allows it)`);
    this.name = 'RefusedAddress';
  }
}

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  agents?: { http: http.Agent; https: https.Agent };
}

export interface PostAnswer {
  status: number;
  /** The start of the answer's body, for the delivery log. */
  body: string;
}

/** The most of an answer's body kept for the log; the rest is not read. */
const BODY_KEPT = 500;

/** A lookup that answers only with addresses deliveries may reach (all of the host's, or refused). */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = addresses.find((a) => !mayConnect(a.address, allowPrivate));
      if (refused) return callback(new RefusedAddress(hostname, refused.address), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** POSTs `body` to `url` with `headers`; resolves with the answer's status, rejects when there is none. */
export function postWebhook(url: string, headers: Record<string, string>, body: string, options: PostOptions): Promise<PostAnswer> {
  const target = new URL(url);
  const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
  // A literal address is connected to without any lookup: check it here.
  if (isIP(host) !== 0 && !mayConnect(host, options.allowPrivate)) return Promise.reject(new RefusedAddress(host, host));
  const secure = target.protocol === 'https:';
  const request = secure ? https.request : http.request;
  return new Promise<PostAnswer>((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options.allowPrivate),
        signal: AbortSignal.timeout(options.timeoutMs),
        agent: options.agents ? (secure ? options.agents.https : options.agents.http) : undefined,
      },
      (res) => {
        let kept = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (kept.length < BODY_KEPT) kept += chunk.slice(0, BODY_KEPT - kept.length);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: kept }));
        res.on('error', reject);
        res.on('close', () => {
          if (!res.complete) reject(new Error('the answer was cut off'));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
