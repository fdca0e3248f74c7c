/**
 * Abuse limits (SPEC §7 `RATE_LIMIT`): login attempts per client address and per submitted
 * username, and ticket creations per client address (the form and the API share one count). Built
 * on @fastify/rate-limit's counters; each limit is `max` requests per window.
 *
 * Where counts live is RATE_LIMIT_STORE (limitStoreFor): in the database, shared by every process
 * on it (rateLimitStore.ts; the default on PostgreSQL, where several processes are the point), or
 * in each process's memory (the default on SQLite, usually one process: no write per login or
 * ticket; with several processes a client then gets up to `max` per process).
 */
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { DomainError } from '../core/errors.js';
import { formatDuration, parseDuration } from '../core/sla.js';

/** `max` requests per `windowMs`. */
export interface Limit {
  max: number;
  windowMs: number;
}

export interface RateLimitSettings {
  /** Login attempts from one client address (an IPv6 /64 counts as one address). */
  loginPerAddress: Limit;
  /** Login attempts naming one username, from any address: slows guessing spread over many addresses. */
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

/** The limits as routes use them. */
export interface RouteLimits {
  /**
   * The sign-in form's check before a password (or a second step's code) is checked: the seconds
   * to wait when this request's address or the submitted username has used up its failed attempts
   * (the attempt must then be refused unchecked), else null. Counts nothing: a sign-in that
   * succeeds never counts, so a team behind one office address can all sign in at nine, and a
   * person signing in often is never locked out by it (QA); loginFailed counts the failures.
   */
  loginAllowed(request: FastifyRequest, username: string): Promise<number | null>;
  /** Counts one failed sign-in (a wrong password or code) for this request's address and the username. */
  loginFailed(request: FastifyRequest, username: string): Promise<void>;
  /**
   * Counts one attempt, whatever its outcome, for this request's address and the username, and
   * returns the seconds to wait when either is over its limit, else null: for the rarer guesses
   * of staff already signed in (a current password on the account page) and single sign-on's calls.
   */
  loginAttempt(request: FastifyRequest, username: string): Promise<number | null>;
  /**
   * Counts one password-reset request or use of a reset link (§15) for this request's address, with
   * the login's per-address limit but its own count. Seconds to wait when over, else null.
   */
  resetAttempt(request: FastifyRequest): Promise<number | null>;
  /** onRequest hook of both ticket-creation routes: a 429 (`rate_limited`) when over the limit. */
  ticketCreation: onRequestAsyncHookHandler;
}

/** No limits at all (`RATE_LIMIT=off`: load tests). */
export const NO_LIMITS: RouteLimits = {
  loginAllowed: async () => null,
  loginFailed: async () => {},
  loginAttempt: async () => null,
  resetAttempt: async () => null,
  ticketCreation: async () => {},
};

/** The message of a refusal, in words a person can act on. */
export function waitMessage(what: string, seconds: number): string {
  const wait = seconds <= 1 ? 'a second' : seconds < 120 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
  return `Too many ${what} in a short time. Please wait ${wait}, then try again.`;
}

// Usernames are compared the way accounts store them; a long string is still one (bounded) key.
const usernameKey = (username: string) => username.trim().toLowerCase().slice(0, 200);

/**
 * The username an attempt counts against, set on the request by loginAttempt for the limiter's key:
 * the login form's field, or the signed-in account on the account page and the second-factor step.
 */
const COUNTED_USERNAME = Symbol('countedUsername');
type Counted = FastifyRequest & { [COUNTED_USERNAME]?: string };

type LimiterAnswer = { isAllowed: true } | { isAllowed: false; isExceeded: boolean; remaining: number; ttlInSeconds: number };

/** Seconds to wait when a limiter's answer (after counting this request) is over its limit, else null. */
function overBy(result: LimiterAnswer): number | null {
  return !result.isAllowed && result.isExceeded ? Math.max(1, result.ttlInSeconds) : null;
}

/** Seconds to wait when a limiter's reading (nothing counted) shows its limit used up, else null. */
function usedUp(result: LimiterAnswer): number | null {
  return !result.isAllowed && result.remaining === 0 ? Math.max(1, result.ttlInSeconds) : null;
}

/**
 * Limiters on `app` (which must have @fastify/rate-limit registered). Each limiter keeps its own
 * counts, so a login from one address and a ticket from it are counted apart.
 */
export function createRouteLimits(app: FastifyInstance, settings: RateLimitSettings): RouteLimits {
  // `limitName` names each limiter's keys in a shared store (rateLimitStore.ts); memory ignores it.
  type LimiterOptions = Parameters<FastifyInstance['createRateLimit']>[0] & { limitName: string };
  const limiter = (options: LimiterOptions) => app.createRateLimit(options as Parameters<FastifyInstance['createRateLimit']>[0]);
  const perAddress = (limitName: string, limit: Limit) => limiter({ limitName, max: limit.max, timeWindow: limit.windowMs });
  const loginByAddress = perAddress('login-address', settings.loginPerAddress);
  const ticketsByAddress = perAddress('tickets-address', settings.ticketsPerAddress);
  const resetsByAddress = perAddress('reset-address', settings.loginPerAddress);
  // Many more usernames than addresses can be named: a bigger table, so that naming thousands of
  // made-up usernames cannot push a real one's count out of it.
  const loginByUsername = limiter({
    limitName: 'login-username',
    max: settings.loginPerUsername.max,
    timeWindow: settings.loginPerUsername.windowMs,
    keyGenerator: (request) => `username:${usernameKey((request as Counted)[COUNTED_USERNAME] ?? '')}`,
    cache: 50_000,
  } as LimiterOptions);

  const READ = { increment: false } as const;
  return {
    async loginAllowed(request, username) {
      const byAddress = usedUp(await loginByAddress(request, READ));
      if (byAddress !== null || usernameKey(username) === '') return byAddress;
      (request as Counted)[COUNTED_USERNAME] = username;
      return usedUp(await loginByUsername(request, READ));
    },
    async loginFailed(request, username) {
      await loginByAddress(request);
      if (usernameKey(username) === '') return;
      (request as Counted)[COUNTED_USERNAME] = username;
      await loginByUsername(request);
    },
    async loginAttempt(request, username) {
      const byAddress = overBy(await loginByAddress(request));
      if (byAddress !== null) return byAddress;
      // An attempt with no username checks nothing: only the address counts it.
      if (usernameKey(username) === '') return null;
      (request as Counted)[COUNTED_USERNAME] = username;
      return overBy(await loginByUsername(request));
    },
    async resetAttempt(request) {
      return overBy(await resetsByAddress(request));
    },
    async ticketCreation(request, reply) {
      const seconds = overBy(await ticketsByAddress(request));
      if (seconds === null) return;
      reply.header('retry-after', String(seconds));
      throw new DomainError('rate_limited', waitMessage('new requests', seconds));
    },
  };
}
