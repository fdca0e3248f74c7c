/**
 * Abuse limits (SPEC §7 `RATE_LIMIT`): login attempts per client address and per submitted
 * username, ticket creations per client address (the form and the API share one count), and
 * customers' ratings per client address (the tickets' limit, counted apart). Each
 * limit is `max` per window. The login's count failures, with a check reserved before it is made
 * (core/attemptWindows.ts, loginChecks.ts); the others are @fastify/rate-limit's counters of hits.
 *
 * Where counts live is RATE_LIMIT_STORE (limitStoreFor): in the database, shared by every process
 * on it (rateLimitStore.ts; the default on PostgreSQL, where several processes are the point), or
 * in each process's memory (the default on SQLite, usually one process: no write per login or
 * ticket; with several processes a client then gets up to `max` per process).
 */
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { addressKey, type CheckOutcome, type Limit, UNJUDGED_CHECK } from '../core/attemptWindows.js';
import { DomainError } from '../core/errors.js';
import { mailboxKey } from '../core/mailboxes.js';
import { formatDuration, parseDuration } from '../core/sla.js';
import type { DeviceCookies } from './deviceCookies.js';
import type { CheckCounter, CheckCounters } from './loginChecks.js';

export type { Limit } from '../core/attemptWindows.js';

export interface RateLimitSettings {
  /** Failed logins from one client address (an IPv6 /64 counts as one address). */
  loginPerAddress: Limit;
  /**
   * Failed logins naming one username, from any address: slows guessing spread over many addresses.
   * A browser that signed in to the account before counts in a bucket of its own (device cookies).
   */
  loginPerUsername: Limit;
  /** Ticket creations from one client address, through the form and the API together. */
  ticketsPerAddress: Limit;
}

export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  loginPerAddress: { max: 10, windowMs: 60_000 },
  loginPerUsername: { max: 10, windowMs: 15 * 60_000 },
  ticketsPerAddress: { max: 30, windowMs: 60_000 },
};

/** Parses `10/1m`, `30/45s`, `100/1h` (a whole number ≥ 1, a slash, a duration); null otherwise. */
export function parseLimit(raw: string): Limit | null {
  const match = /^\s*(\d{1,7})\s*\/\s*(\S+)\s*$/.exec(raw);
  if (!match || Number(match[1]) < 1) return null;
  const seconds = parseDuration(match[2]!);
  return seconds === null ? null : { max: Number(match[1]), windowMs: seconds * 1000 };
}

/** The other way round, for messages and the README: `{10, 60 000}` → `10/1m`. */
export function formatLimit(limit: Limit): string {
  return `${limit.max}/${formatDuration(limit.windowMs / 1000)}`;
}

/** RATE_LIMIT_STORE: `auto` counts in the database on PostgreSQL and in memory on SQLite. */
export function limitStoreFor(setting: 'auto' | 'database' | 'memory', dialect: 'sqlite' | 'postgres'): 'database' | 'memory' {
  if (setting !== 'auto') return setting;
  return dialect === 'postgres' ? 'database' : 'memory';
}

/** A sign-in check's go-ahead, or the seconds to wait before trying again (refused unchecked). */
export type LoginCheck = { wait: number } | { wait: null; settle(outcome: CheckOutcome): Promise<void> };

/** Settles a reserved check: `passed` gives it back, `failed` counts it. */
export type Judge = (outcome: CheckOutcome) => Promise<void>;

/**
 * Runs `work` under a check `loginCheck` reserved, and settles the check on every path: `work`
 * settles it through `judge` once a password or code has been judged (a second call is ignored);
 * if it returns or throws without having judged, the reservation ends as UNJUDGED_CHECK says (given
 * back), so no error between the reservation and the judging holds it until its window ends.
 */
export async function underCheck<T>(check: { settle: Judge }, work: (judge: Judge) => Promise<T>): Promise<T> {
  let judged = false;
  const judge: Judge = async (outcome) => {
    if (judged) return;
    judged = true;
    await check.settle(outcome);
  };
  let result: T;
  try {
    result = await work(judge);
  } catch (error) {
    // The work's error is the one to report; one of the settling (the same database down) is not.
    await judge(UNJUDGED_CHECK).catch(() => undefined);
    throw error;
  }
  await judge(UNJUDGED_CHECK);
  return result;
}

/**
 * Whether a refusal of one's own change says a guess was wrong: the current password or a code
 * typed with it (invalid input on `current_password` or `code`).
 */
export function refusedGuess(error: unknown): boolean {
  return error instanceof DomainError && error.code === 'invalid_input' && (error.fields.current_password !== undefined || error.fields.code !== undefined);
}

/**
 * One's own change typed with the current password (My account, one's own second factor) under a
 * check `loginCheck` reserved: refused on the password or a code (refusedGuess), it counts as a
 * failed sign-in; anything else, a change made included, gives the check back (underCheck), as a
 * sign-in that succeeds counts nothing.
 */
export function underOwnCheck<T>(check: { settle: Judge }, work: () => Promise<T>): Promise<T> {
  return underCheck(check, async (judge) => {
    try {
      return await work();
    } catch (error) {
      if (refusedGuess(error)) await judge('failed');
      throw error;
    }
  });
}

/** The limits as routes use them. */
export interface RouteLimits {
  /**
   * Asked before the sign-in form checks a password (or the second step a code): the seconds to wait
   * when this request's address or the submitted username (its shared bucket, or this browser's own
   * when it holds a device cookie for it under the account's current password:
   * core/deviceCookies.ts) has used up its failures (the attempt is then refused unchecked), else a
   * check reserved under both, which the caller must settle on every path (underCheck) when the
   * check has ended: `passed` gives it back (a sign-in that succeeds counts nothing, so a team
   * behind one office address can all sign in at nine, and a person signing in often is never locked
   * out by it: QA), `failed` counts it. Reserving first is what bounds a burst: of any number of
   * simultaneous attempts at most `max` are checked while none has ended, and the others wait for
   * those to end (then go ahead, or are refused when they all failed).
   */
  loginCheck(request: FastifyRequest, username: string): Promise<LoginCheck>;
  /**
   * Counts one password-reset request or use of a reset link (§15) for this request's address, with
   * the login's per-address limit but its own count; a request also for the `mailbox` typed (any
   * letter case), with the per-username limit, so no number of client addresses can flood one inbox
   * with reset emails (known or not alike: the refusal tells nothing). Seconds to wait when over, else null.
   */
  resetAttempt(request: FastifyRequest, mailbox?: string): Promise<number | null>;
  /**
   * Counts one press of single sign-on's button (§15) for this request's address, with the ticket
   * creations' figure in a count of its own (each press writes the sign-on its callback takes, and
   * guesses nothing: a team behind one office address signing in through the provider at nine
   * must neither be refused nor use up the address's failed sign-ins, which its password logins
   * share). Seconds to wait when over, else null. The callback is a sign-in check (loginCheck).
   */
  ssoStart(request: FastifyRequest): Promise<number | null>;
  /** onRequest hook of both ticket-creation routes: a 429 (`rate_limited`) when over the limit. */
  ticketCreation: onRequestAsyncHookHandler;
  /**
   * onRequest hook of the rating POST (§13): the ticket creations' limit per address, in a count of
   * its own (rating a ticket takes nothing from the address's new requests, and the other way round).
   */
  rating: onRequestAsyncHookHandler;
}

/** No limits at all (`RATE_LIMIT=off`: load tests). */
export const NO_LIMITS: RouteLimits = {
  loginCheck: async () => ({ wait: null, settle: async () => {} }),
  resetAttempt: async () => null,
  ssoStart: async () => null,
  ticketCreation: async () => {},
  rating: async () => {},
};

const heldRefusals = new WeakMap<FastifyRequest, DomainError>();

/**
 * A form's limit (the customer's ticket and reply forms): counted as the request arrives, like the
 * API's, but its refusal (the Retry-After header set) is held for the route, which reads it with
 * `heldRefusal` once the form's fields are read, and shows the form again filled in (429) instead
 * of an error page that loses what the customer typed.
 */
export function holdingRefusal(limit: onRequestAsyncHookHandler): onRequestAsyncHookHandler {
  return async function (request, reply) {
    try {
      await limit.call(this, request, reply);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'rate_limited') throw error;
      heldRefusals.set(request, error);
    }
  };
}

/** The refusal `holdingRefusal` held for this request, if its limit refused it. */
export function heldRefusal(request: FastifyRequest): DomainError | undefined {
  return heldRefusals.get(request);
}

/** The message of a refusal, in words a person can act on. */
export function waitMessage(what: string, seconds: number): string {
  const wait = seconds <= 1 ? 'a second' : seconds < 120 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
  return `Too many ${what} in a short time. Please wait ${wait}, then try again.`;
}

type LimiterAnswer = { isAllowed: true } | { isAllowed: false; isExceeded: boolean; remaining: number; ttlInSeconds: number };

/** Seconds to wait when a limiter's answer (after counting this request) is over its limit, else null. */
function overBy(result: LimiterAnswer): number | null {
  return !result.isAllowed && result.isExceeded ? Math.max(1, result.ttlInSeconds) : null;
}

/**
 * While checks in flight fill a limit (`busy`), a sign-in asks again this often, at most this many
 * times (about 3 s: many password checks' time), then is refused for a second. A burst of right
 * passwords is served as fast as checks end; a burst of wrong ones waits only until `max` of them
 * have failed, then is refused.
 */
const BUSY_RETRY_MS = 25;
const BUSY_RETRIES = 120;

/** One check reserved under one limit, to settle. */
interface Held {
  counter: CheckCounter;
  key: string;
  resetAt: number;
}

/** Reserves a check on `key`, waiting while checks in flight fill the limit: the hold, or the seconds to wait. */
async function reserveWaiting(counter: CheckCounter, key: string): Promise<Held | number> {
  for (let retries = 0; ; retries++) {
    const answer = await counter.reserve(key);
    if (answer.kind === 'reserved') return { counter, key, resetAt: answer.resetAt };
    if (answer.kind === 'used_up') return answer.waitSeconds;
    if (retries === BUSY_RETRIES) return 1;
    await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
  }
}

const settleAll = (held: Held[], outcome: CheckOutcome) => Promise.all(held.map((h) => h.counter.settle(h.key, h.resetAt, outcome))).then(() => {});

/**
 * Limiters on `app` (which must have @fastify/rate-limit registered) for tickets and resets, each
 * keeping its own counts, so a reset from one address and a ticket from it are counted apart; the
 * login's counts in `counters` (loginChecks.ts), the username's in the bucket `devices` names.
 */
export function createRouteLimits(app: FastifyInstance, settings: RateLimitSettings, counters: CheckCounters, devices: Pick<DeviceCookies, 'bucketOf'>): RouteLimits {
  // `limitName` names each limiter's keys in a shared store (rateLimitStore.ts); memory ignores it.
  type LimiterOptions = Parameters<FastifyInstance['createRateLimit']>[0] & { limitName: string };
  const limiter = (options: LimiterOptions) => app.createRateLimit(options as Parameters<FastifyInstance['createRateLimit']>[0]);
  const perAddress = (limitName: string, limit: Limit) => limiter({ limitName, max: limit.max, timeWindow: limit.windowMs });
  const ticketsByAddress = perAddress('tickets-address', settings.ticketsPerAddress);
  const resetsByAddress = perAddress('reset-address', settings.loginPerAddress);
  const ratingsByAddress = perAddress('rating-address', settings.ticketsPerAddress);
  const ssoStartsByAddress = perAddress('sso-start-address', settings.ticketsPerAddress);
  /** An onRequest hook counting each request in `count`, and refusing one over its limit with a 429 that says how long to wait (`what`: what there were too many of). */
  const refusingOver =
    (count: typeof ticketsByAddress, what: string): onRequestAsyncHookHandler =>
    async (request, reply) => {
      const seconds = overBy(await count(request));
      if (seconds === null) return;
      reply.header('retry-after', String(seconds));
      throw new DomainError('rate_limited', waitMessage(what, seconds));
    };
  // Many more usernames than addresses can be named: a bigger table, so that naming thousands of
  // made-up usernames cannot push a real one's count out of it.
  const loginByAddress = counters('login-address', settings.loginPerAddress, 5_000);
  const loginByUsername = counters('login-username', settings.loginPerUsername, 50_000);
  // A remembered browser's own bucket of a username (core/deviceCookies.ts): the username's limit,
  // counted apart from the shared one, so failing on purpose elsewhere does not lock it.
  const loginByDevice = counters('login-device', settings.loginPerUsername, 50_000);
  const resetsByMailbox = counters('reset-mailbox', settings.loginPerUsername, 50_000);

  /**
   * A check reserved under the address's limit, then the username's, in its shared bucket or this
   * browser's own (an attempt with no username checks nothing: only the address counts it).
   * Refused by either: whatever was reserved is given back, so a refused attempt counts nothing.
   */
  async function reserve(request: FastifyRequest, username: string): Promise<LoginCheck> {
    const keys: [CheckCounter, string][] = [[loginByAddress, addressKey(request.ip)]];
    const bucket = await devices.bucketOf(request, username);
    if (bucket) keys.push([bucket.limit === 'device' ? loginByDevice : loginByUsername, bucket.key]);
    const held: Held[] = [];
    for (const [counter, key] of keys) {
      const hold = await reserveWaiting(counter, key);
      if (typeof hold === 'number') {
        await settleAll(held, 'passed');
        return { wait: hold };
      }
      held.push(hold);
    }
    return { wait: null, settle: (outcome) => settleAll(held, outcome) };
  }

  return {
    loginCheck: reserve,
    async resetAttempt(request, mailbox) {
      const byAddress = overBy(await resetsByAddress(request));
      const key = mailboxKey(mailbox ?? null);
      if (byAddress !== null || key === '') return byAddress;
      // Every request counts (a reset email is sent or not: no check to give back).
      const hold = await reserveWaiting(resetsByMailbox, key.slice(0, 320));
      if (typeof hold === 'number') return hold;
      await settleAll([hold], 'failed');
      return null;
    },
    ssoStart: async (request) => overBy(await ssoStartsByAddress(request)),
    ticketCreation: refusingOver(ticketsByAddress, 'new requests'),
    rating: refusingOver(ratingsByAddress, 'ratings'),
  };
}
