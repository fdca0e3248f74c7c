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
    /** Gives this browser a fresh device entry for `username`: call after a complete sign-in only. */
    rememberDevice(username: string): void;
  }
}

export interface DeviceCookies {
  /** Where a sign-in naming `username` from this request counts its failures (core loginBucket). */
  bucketOf(request: FastifyRequest, username: string): LoginBucket | null;
  /** Sets the cookie with a fresh entry for `username` first, keeping the request's other entries that still count. */
  remember(request: FastifyRequest, reply: FastifyReply, username: string): void;
}

/**
 * Device cookies signed under a key of their own, derived from the app's secret (SECRET_KEY, or
 * the generated one): other signed values of the app (session-bound cookies, forms) use the secret
 * itself, so none of them can pass for an entry, and an entry passes for nothing else.
 */
export function deviceCookies(secretKey: string, options: { secure: boolean; now: () => number }): DeviceCookies {
  const key = createHmac('sha256', secretKey).update('helpdesk device cookies').digest();
  const macOf = (entry: Pick<DeviceEntry, 'username' | 'nonce' | 'issuedAt'>) => createHmac('sha256', key).update(deviceSigned(entry)).digest('base64url');
  const verified: DeviceVerifier = (entry) => {
    const expected = Buffer.from(macOf(entry));
    const given = Buffer.from(entry.mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const entriesOf = (request: FastifyRequest) => parseDeviceCookie(request.cookies[DEVICE_COOKIE]);
  return {
    bucketOf: (request, username) => loginBucket(username, entriesOf(request), options.now(), verified),
    remember(request, reply, username) {
      const name = usernameKey(username);
      if (!deviceUsernameFits(name)) return;
      const entry = { username: name, nonce: randomBytes(16).toString('base64url'), issuedAt: options.now() };
      const entries = rememberDevice(entriesOf(request), { ...entry, mac: macOf(entry) }, verified);
      reply.setCookie(DEVICE_COOKIE, formatDeviceCookie(entries), { path: DEVICE_PATH, httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: DEVICE_LIFETIME_MS / 1000 });
    },
  };
}

/** Gives every reply `rememberDevice` (for the routes that end a sign-in). */
export function installDeviceCookies(app: FastifyInstance, cookies: DeviceCookies): void {
  app.decorateReply('rememberDevice', function (this: FastifyReply, username: string) {
    cookies.remember(this.request, this, username);
  });
}
