/**
 * The device cookie's shell (the rule is core/deviceCookies.ts): its HMAC, reading it from a
 * request, and giving a browser a fresh entry after a complete sign-in (login.ts
 * setSessionCookies, through `reply.rememberDevice`).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { usernameKey } from '../core/attemptWindows.js';
import {
  DEVICE_LIFETIME_MS,
  type DeviceEntry,
  type DeviceVerifier,
  deviceSigned,
  deviceUsernameFits,
  formatDeviceCookie,
  holdsEntryFor,
  type LoginBucket,
  loginBucket,
  parseDeviceCookie,
  rememberDevice,
} from '../core/deviceCookies.js';

/** The browser's remembered sign-ins (HttpOnly, SameSite=Lax, Secure with the session cookie, a year). */
export const DEVICE_COOKIE = 'hd_device';
/** Sent to the sign-in, its second step and the account pages (where a current password is a guess too), nowhere else. */
const DEVICE_PATH = '/agents/';

declare module 'fastify' {
  interface FastifyReply {
    /**
     * Gives this browser a fresh device entry for `username`, bound to `passwordHash` (the
     * account's, as the sign-in found it): call after a complete sign-in only.
     */
    rememberDevice(username: string, passwordHash: string): void;
  }
}

export interface DeviceCookies {
  /** Where a sign-in naming `username` from this request counts its failures (core loginBucket). */
  bucketOf(request: FastifyRequest, username: string): Promise<LoginBucket | null>;
  /** Sets the cookie with a fresh entry for `username` (bound to `passwordHash`) first, keeping the request's other unexpired entries. */
  remember(request: FastifyRequest, reply: FastifyReply, username: string, passwordHash: string): void;
}

export interface DeviceCookieOptions {
  secure: boolean;
  now: () => number;
  /** The password hash of the active account by this username (lower-case), else null (none, or deactivated). */
  passwordHashOf: (username: string) => Promise<string | null>;
}

/**
 * Device cookies signed under keys of their own, derived from the app's secret (SECRET_KEY, or
 * the generated one): other signed values of the app (session-bound cookies, forms) use the secret
 * itself, so none of them can pass for an entry, and an entry passes for nothing else.
 *
 * Each account's entries are signed under a key derived in turn from that one and the account's
 * password hash (HMAC-SHA256 of the hash: the hash itself never leaves the server, and the key
 * tells nothing of it). Any new password (My account, a reset link, an admin, at any process) is
 * a new hash with a new salt, so every entry of before stops verifying: no table of entries, and
 * no process to tell. A sign-in that upgrades an old hash (services/auth.ts checkCredentials) does
 * the same to the account's other browsers, once. An unknown username or a deactivated account is
 * verified under a key of a decoy no hash equals, so that it does the same work and never counts.
 */
export function deviceCookies(secretKey: string, options: DeviceCookieOptions): DeviceCookies {
  const key = createHmac('sha256', secretKey).update('helpdesk device cookies').digest();
  const decoy = `decoy ${randomBytes(72).toString('base64')}`;
  const keyOf = (passwordHash: string) => createHmac('sha256', key).update(passwordHash).digest();
  const macOf = (accountKey: Buffer, entry: Pick<DeviceEntry, 'username' | 'nonce' | 'issuedAt'>) => createHmac('sha256', accountKey).update(deviceSigned(entry)).digest('base64url');
  const verifierUnder = (passwordHash: string | null): DeviceVerifier => {
    const accountKey = keyOf(passwordHash ?? decoy);
    return (entry) => {
      const expected = Buffer.from(macOf(accountKey, entry));
      const given = Buffer.from(entry.mac);
      const same = given.length === expected.length && timingSafeEqual(given, expected);
      return same && passwordHash !== null;
    };
  };
  const entriesOf = (request: FastifyRequest) => parseDeviceCookie(request.cookies[DEVICE_COOKIE]);
  return {
    async bucketOf(request, username) {
      const entries = entriesOf(request);
      // The account is read only for a browser holding an entry naming it (most sign-ins hold none).
      const passwordHash = holdsEntryFor(username, entries) ? await options.passwordHashOf(usernameKey(username)) : null;
      return loginBucket(username, entries, options.now(), verifierUnder(passwordHash));
    },
    remember(request, reply, username, passwordHash) {
      const name = usernameKey(username);
      if (!deviceUsernameFits(name)) return;
      const entry = { username: name, nonce: randomBytes(16).toString('base64url'), issuedAt: options.now() };
      const entries = rememberDevice(entriesOf(request), { ...entry, mac: macOf(keyOf(passwordHash), entry) });
      reply.setCookie(DEVICE_COOKIE, formatDeviceCookie(entries), { path: DEVICE_PATH, httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: DEVICE_LIFETIME_MS / 1000 });
    },
  };
}

/** Gives every reply `rememberDevice` (for the routes that end a sign-in). */
export function installDeviceCookies(app: FastifyInstance, cookies: DeviceCookies): void {
  app.decorateReply('rememberDevice', function (this: FastifyReply, username: string, passwordHash: string) {
    cookies.remember(this.request, this, username, passwordHash);
  });
}
