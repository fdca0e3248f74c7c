/**
 * One webhook POST (SPEC §13): the host is resolved now, at delivery time (DNS may have changed
 * since the endpoint was saved), and the request goes to an address that passed the SSRF check —
 * the check runs inside the connection's own lookup, so the address checked is the address
 * connected to. A redirect is an answer like any other (never followed); an exchange is given up
 * after the timeout.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { type Dispatcher, errors, Pool } from 'undici';
import { type AddressKind, classifyAddress, hostKind, isDelivered, mayConnect, mayReach, refusedDelivery } from '../core/webhooks.js';

/** A delivery refused before connecting: the host is (or resolves to) an address deliveries may not reach. */
export class RefusedAddress extends Error {
  constructor(host: string, address: string, kind: AddressKind | 'unknown' = classifyAddress(address) ?? 'unknown') {
    super(refusedDelivery(host, address, kind));
    this.name = 'RefusedAddress';
  }
}

/** A delivery that got no answer (or no whole one) within the timeout. */
export class NoAnswer extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs / 1000} s`);
    this.name = 'TimeoutError';
  }
}

export interface PostAnswer {
  status: number;
  /** The start of the answer's body, for the delivery log. */
  body: string;
}

/** The most of an answer's body kept for the log; the rest is not read. */
const BODY_KEPT = 500;

/** A lookup that answers only with addresses deliveries may reach (all of the host's, or refused). */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
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

/**
 * The webhook worker's HTTP client: a pool of kept-alive connections per origin (undici's: a POST
 * costs about half the CPU node:http's client took, 40 against 95–115 µs in bench:webhooks; issue
 * 17 item 5), each connection made through the guarded lookup. How many posts go to one endpoint
 * at once is the worker's to bound. Idle connections close after a few seconds (undici's default).
 */
export class WebhookClient {
  private readonly pools = new Map<string, Pool>();
  private readonly lookup: LookupFunction;

  constructor(private readonly options: { timeoutMs: number; allowPrivate: boolean }) {
    this.lookup = guardedLookup(options.allowPrivate);
  }

  /**
   * POSTs `body` to `url` with `headers`; resolves with the answer's status, rejects when there is
   * none. The answer's headers must come within the timeout, and (but for a 2xx) the start of its
   * body that is kept by the end of it (a NoAnswer otherwise). Redirects are answers like any other.
   * `stop` aborts the exchange early (the worker stopping): it rejects with the signal's reason,
   * but a 2xx whose headers came stands, as at the deadline.
   */
  async post(url: string, headers: Record<string, string>, body: string, stop?: AbortSignal): Promise<PostAnswer> {
    const { timeoutMs, allowPrivate } = this.options;
    const target = new URL(url);
    // Checked here with the rule the endpoint was saved under: a literal address is connected to
    // without any lookup, and a name such as `localhost.` means this machine whatever DNS says.
    // A name that passes is checked again on every address it resolves to (guardedLookup).
    const kind = hostKind(target.hostname);
    if (!mayReach(kind, allowPrivate)) {
      const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
      throw new RefusedAddress(host, host, kind);
    }
    // One deadline for the whole exchange. undici's own timeouts are separate windows (connecting,
    // then the headers), so a slow connect followed by a slow answer took up to twice the timeout,
    // and a claim's turns could outlast the lease taken for them (claimLeaseMs counts one timeout a
    // turn): another worker would then post the same events again.
    const deadline = Date.now() + timeoutMs;
    const signal = stop ? AbortSignal.any([AbortSignal.timeout(timeoutMs), stop]) : AbortSignal.timeout(timeoutMs);
    let answer: Dispatcher.ResponseData;
    try {
      answer = await this.poolOf(target.origin).request({ method: 'POST', path: `${target.pathname}${target.search}`, headers, body, signal });
    } catch (error) {
      throw isTimeout(error) ? new NoAnswer(timeoutMs) : error;
    }
    // A 2xx is the receiver's word that it took the event: its body (which the log does not keep)
    // is read while the deadline lasts, for the connection's sake, but never turns it into a failure
    // to be posted again.
    const accepted = isDelivered(answer.statusCode);
    return { status: answer.statusCode, body: await keptStart(answer.body, deadline - Date.now(), timeoutMs, accepted) };
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.destroy()));
    this.pools.clear();
  }

  private poolOf(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      const { timeoutMs } = this.options;
      pool = new Pool(origin, { connect: { lookup: this.lookup, timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

/**
 * The start of an answer's body (BODY_KEPT characters), read for at most `leftMs`; the rest is
 * dropped. Past `leftMs` (or once the request's signal aborts) a NoAnswer, or with `upToDeadline`
 * what was read by then. A body that breaks off (the connection dropped) gives what was read.
 */
async function keptStart(body: Dispatcher.ResponseData['body'], leftMs: number, timeoutMs: number, upToDeadline: boolean): Promise<string> {
  const late = setTimeout(() => body.destroy(new NoAnswer(timeoutMs)), Math.max(leftMs, 0));
  let kept = '';
  try {
    body.setEncoding('utf8');
    for await (const chunk of body as AsyncIterable<string>) {
      kept += chunk.slice(0, BODY_KEPT - kept.length);
      if (kept.length >= BODY_KEPT) break;
    }
    return kept;
  } catch (error) {
    // An accepted answer stands whatever ends the read: whichever deadline (ours, the request's
    // signal or undici's body timeout: they fall due within a millisecond of each other, in no fixed
    // order), or the connection dropped before the body's end (the receiver took the event and went
    // away: posting it again would only deliver it twice).
    if (upToDeadline) return kept;
    // A refusal whose body breaks off is still a refusal with its status, for the log; one whose
    // body the deadline (or a stop) cut is no answer in time.
    if (isTimeout(error)) throw new NoAnswer(timeoutMs);
    if (error instanceof Error && error.name === 'AbortError') throw error;
    return kept;
  } finally {
    clearTimeout(late);
    if (!body.destroyed) body.destroy();
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof NoAnswer || (error instanceof Error && error.name === 'TimeoutError') || error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError || error instanceof errors.ConnectTimeoutError;
}
