/**
 * Device cookies (README "Limits we know of"; the idea of OWASP's "Slow down online guessing
 * attacks with device cookies"): a browser that completed a sign-in to an account is remembered
 * for that account, and its later sign-ins to it count their failures in a bucket of their own
 * instead of the username's shared one. Someone who knows a username can still fill the shared
 * bucket by failing on purpose, but that no longer locks the person out of the browsers they
 * signed in with before; a stolen device cookie gets only that device's own `max` per window.
 *
 * Decisions:
 * - One cookie per browser holding up to DEVICE_ENTRIES_KEPT entries, newest first, rather than
 *   one cookie per account: a shared front-desk computer keeps its last few people, the cookie
 *   stays small (at most about 700 bytes), and a made-up cookie costs at most that many checks.
 * - An entry is `username!nonce!issuedAt!mac` (entries joined by `~`: characters no username,
 *   nonce or MAC holds, and that cookies carry unescaped). The MAC, an HMAC under the app's secret
 *   (http/deviceCookies.ts), covers the other three, so no entry can be made up, moved to another
 *   username, given another nonce or made younger.
 * - An entry counts only while the account's password is the one it had when the entry was
 *   issued: the MAC's key is derived from the secret and the account's password hash (the shell's
 *   part), so a new password (a new hash, with a new salt) retires every browser remembered for
 *   the account, a stolen cookie with them, and no table keeps entries. The rule here only asks a
 *   verifier; whose key it holds is the shell's. The signed text's version (`hd-device-2`) makes
 *   entries of before that binding count as absent.
 * - It counts for DEVICE_LIFETIME_MS from its sign-in, whatever the browser says of its expiry,
 *   and each complete sign-in gives the browser a fresh entry (a new nonce, a new year).
 * - Only a complete sign-in earns one: the password and the second step when the account has one,
 *   or single sign-on (the provider vouched for the person as a password would).
 */
import { usernameKey } from './attemptWindows.js';

/** How long an entry counts after the sign-in that earned it. */
export const DEVICE_LIFETIME_MS = 365 * 24 * 60 * 60 * 1000;

/** Entries one browser keeps (several people can share a computer), newest first. */
export const DEVICE_ENTRIES_KEPT = 5;

/** A browser's record of one complete sign-in to `username` (lower-case). */
export interface DeviceEntry {
  username: string;
  /** Random (16 bytes, base64url): names this device's own bucket. */
  nonce: string;
  /** When the sign-in was (epoch ms). */
  issuedAt: number;
  /** HMAC-SHA256 of deviceSigned(entry) (base64url); checked by the shell, never here. */
  mac: string;
}

/** Whether an entry's MAC is right (the shell's HMAC, under the key of the account the entry names). */
export type DeviceVerifier = (entry: DeviceEntry) => boolean;

/** Where a sign-in's failures count for its username: the username's shared bucket, or one device's. */
export type LoginBucket = { limit: 'username'; key: string } | { limit: 'device'; key: string };

const USERNAME = /^[a-z0-9._-]{1,64}$/;
const ENTRY = /^([a-z0-9._-]{1,64})!([A-Za-z0-9_-]{22})!([0-9a-z]{1,10})!([A-Za-z0-9_-]{43})$/;

/** Whether an account's username can be carried in an entry (every username accounts are made with can). */
export function deviceUsernameFits(username: string): boolean {
  return USERNAME.test(username);
}

/** The text an entry's MAC covers: versioned, so no other signed value of the app can pass for one. */
export function deviceSigned(entry: Pick<DeviceEntry, 'username' | 'nonce' | 'issuedAt'>): string {
  return `hd-device-2!${entry.username}!${entry.nonce}!${entry.issuedAt.toString(36)}`;
}

/** The cookie's value for `entries`, in their order. */
export function formatDeviceCookie(entries: readonly DeviceEntry[]): string {
  return entries.map((e) => `${e.username}!${e.nonce}!${e.issuedAt.toString(36)}!${e.mac}`).join('~');
}

/**
 * The well-formed entries of a cookie's value (signed or not: see loginBucket), at most
 * DEVICE_ENTRIES_KEPT of them from its start (this app never writes more), malformed ones skipped.
 */
export function parseDeviceCookie(raw: string | undefined): DeviceEntry[] {
  if (raw === undefined || raw.length > 4096) return [];
  const entries: DeviceEntry[] = [];
  for (const part of raw.split('~', DEVICE_ENTRIES_KEPT)) {
    const match = ENTRY.exec(part);
    if (!match) continue;
    entries.push({ username: match[1]!, nonce: match[2]!, issuedAt: parseInt(match[3]!, 36), mac: match[4]! });
  }
  return entries;
}

/** Whether an entry is younger than DEVICE_LIFETIME_MS at `now` (one issued "in the future" is: processes' clocks differ a little; only this app signs). */
function unexpired(entry: DeviceEntry, now: number): boolean {
  return now - entry.issuedAt < DEVICE_LIFETIME_MS;
}

/**
 * Whether the browser holds an entry naming the username typed: only then does the shell read the
 * account (its password hash, for the MAC's key). Decided from the request alone, so a known and
 * an unknown username are read alike.
 */
export function holdsEntryFor(typed: string, entries: readonly DeviceEntry[]): boolean {
  const username = usernameKey(typed);
  return username !== '' && entries.some((e) => e.username === username);
}

/**
 * The bucket a sign-in naming `typed` counts its failures in: the device's own when the browser
 * holds an entry for exactly this username that is unexpired and whose MAC `verified` accepts
 * (under the account's current password), else the username's shared bucket; null when no
 * username was given (only the address counts).
 */
export function loginBucket(typed: string, entries: readonly DeviceEntry[], now: number, verified: DeviceVerifier): LoginBucket | null {
  const username = usernameKey(typed);
  if (username === '') return null;
  const entry = entries.find((e) => e.username === username && unexpired(e, now) && verified(e));
  return entry ? { limit: 'device', key: `${username}:${entry.nonce}` } : { limit: 'username', key: username };
}

/**
 * The entries a browser keeps after a complete sign-in earned `fresh`: it first, then the
 * unexpired ones it held for other usernames, at most DEVICE_ENTRIES_KEPT. Their MACs are not
 * checked here: each is under its own account's password, which this sign-in does not read. One
 * made up or retired (its password changed) takes a place in the browser's own cookie, and never
 * counts (loginBucket checks it when it is used).
 */
export function rememberDevice(entries: readonly DeviceEntry[], fresh: DeviceEntry): DeviceEntry[] {
  const kept = entries.filter((e) => e.username !== fresh.username && unexpired(e, fresh.issuedAt));
  return [fresh, ...kept].slice(0, DEVICE_ENTRIES_KEPT);
}
