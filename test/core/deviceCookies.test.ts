import { describe, expect, it } from 'vitest';
import {
  DEVICE_ENTRIES_KEPT,
  DEVICE_LIFETIME_MS,
  type DeviceEntry,
  deviceSigned,
  deviceUsernameFits,
  formatDeviceCookie,
  holdsEntryFor,
  loginBucket,
  parseDeviceCookie,
  rememberDevice,
} from '../../src/core/deviceCookies.js';

const now = 1_800_000_000_000;
const day = 24 * 60 * 60 * 1000;
const NONCE_A = 'AAAAAAAAAAAAAAAAAAAAAA';
const NONCE_B = 'bbbbbbbbbbbbbbbbbbbbb_';
const GOOD = 'g'.repeat(43);
const FORGED = 'f'.repeat(43);
// The shell's HMAC (under the account's current password) stands in as: a MAC of all g's is
// right, any other wrong (made up, or signed under a password the account no longer has).
const verified = (entry: DeviceEntry) => entry.mac === GOOD;
const entry = (username: string, nonce = NONCE_A, issuedAt = now - day, mac = GOOD): DeviceEntry => ({ username, nonce, issuedAt, mac });

describe('which bucket a sign-in counts its failures in', () => {
  it.each<[string, string, DeviceEntry[], ReturnType<typeof loginBucket>]>([
    ['no device cookie: the username’s shared bucket', 'alice', [], { limit: 'username', key: 'alice' }],
    ['an entry of ours for the username typed: its own bucket', 'alice', [entry('alice')], { limit: 'device', key: `alice:${NONCE_A}` }],
    ['the username typed in another case and with spaces: the same account', ' Alice ', [entry('alice')], { limit: 'device', key: `alice:${NONCE_A}` }],
    ['a forged MAC, or one under a password since changed: shared', 'alice', [entry('alice', NONCE_A, now - day, FORGED)], { limit: 'username', key: 'alice' }],
    ['an entry for another username only: shared', 'alice', [entry('bob')], { limit: 'username', key: 'alice' }],
    ['an entry for a longer name that starts the same: shared', 'ali', [entry('alice')], { limit: 'username', key: 'ali' }],
    ['a year old to the millisecond: expired, shared', 'alice', [entry('alice', NONCE_A, now - DEVICE_LIFETIME_MS)], { limit: 'username', key: 'alice' }],
    ['a millisecond younger than a year: counts', 'alice', [entry('alice', NONCE_A, now - DEVICE_LIFETIME_MS + 1)], { limit: 'device', key: `alice:${NONCE_A}` }],
    ['issued a little in the future (another process’s clock): counts', 'alice', [entry('alice', NONCE_A, now + 2_000)], { limit: 'device', key: `alice:${NONCE_A}` }],
    ['several accounts: the one typed', 'bob', [entry('alice'), entry('bob', NONCE_B)], { limit: 'device', key: `bob:${NONCE_B}` }],
    ['a forged entry before a good one for the same name: the good one', 'alice', [entry('alice', NONCE_B, now, FORGED), entry('alice')], { limit: 'device', key: `alice:${NONCE_A}` }],
    ['no username: nothing counted per username', '  ', [entry('alice')], null],
  ])('%s', (_title, typed, entries, expected) => {
    expect(loginBucket(typed, entries, now, verified)).toEqual(expected);
  });

  it('an expired entry is not even verified', () => {
    const asked: DeviceEntry[] = [];
    const old = entry('alice', NONCE_A, now - DEVICE_LIFETIME_MS);
    expect(loginBucket('alice', [old, entry('bob')], now, (e) => (asked.push(e), true))).toEqual({ limit: 'username', key: 'alice' });
    expect(asked).toEqual([]);
  });

  it('the device bucket of one username can never be another username’s shared key', () => {
    // A typed username cannot be made to name a device's bucket: they are told apart by `limit`.
    expect(loginBucket(`alice:${NONCE_A}`, [entry('alice')], now, verified)).toEqual({ limit: 'username', key: `alice:${NONCE_A.toLowerCase()}` });
  });
});

describe('whether a sign-in reads the account (for the key its entries are checked under)', () => {
  it.each<[string, string, DeviceEntry[], boolean]>([
    ['no device cookie', 'alice', [], false],
    ['an entry for the username typed', 'alice', [entry('alice')], true],
    ['typed in another case and with spaces', ' ALICE ', [entry('bob'), entry('alice')], true],
    ['an entry for another username only', 'alice', [entry('bob')], false],
    ['an entry for a longer name that starts the same', 'ali', [entry('alice')], false],
    ['an expired or forged entry for it: read all the same (decided from the request alone)', 'alice', [entry('alice', NONCE_A, 0, FORGED)], true],
    ['no username', '  ', [entry('alice')], false],
  ])('%s: %s', (_title, typed, entries, expected) => {
    expect(holdsEntryFor(typed, entries)).toBe(expected);
  });
});

describe('the cookie’s value', () => {
  it('round-trips entries in their order', () => {
    const entries = [entry('alice'), entry('b.o_b-2', NONCE_B, now)];
    const value = formatDeviceCookie(entries);
    expect(value).toBe(`alice!${NONCE_A}!${(now - day).toString(36)}!${GOOD}~b.o_b-2!${NONCE_B}!${now.toString(36)}!${GOOD}`);
    expect(parseDeviceCookie(value)).toEqual(entries);
  });

  it.each([
    ['nothing', undefined],
    ['empty', ''],
    ['a capital in the username', `Alice!${NONCE_A}!1!${GOOD}`],
    ['a short nonce', `alice!${NONCE_A.slice(1)}!1!${GOOD}`],
    ['a nonce with a character of standard base64', `alice!${NONCE_A.slice(1)}+!1!${GOOD}`],
    ['no time', `alice!${NONCE_A}!!${GOOD}`],
    ['a time past what a number holds exactly', `alice!${NONCE_A}!zzzzzzzzzzz!${GOOD}`],
    ['a short MAC', `alice!${NONCE_A}!1!${GOOD.slice(1)}`],
    ['a field too many', `alice!x!${NONCE_A}!1!${GOOD}`],
    ['longer than any cookie this app writes', `alice!${NONCE_A}!1!${GOOD}~`.repeat(60)],
  ])('%s: no entries', (_title, raw) => {
    expect(parseDeviceCookie(raw)).toEqual([]);
  });

  it('skips a malformed entry among good ones, and reads no more than are kept', () => {
    const good = (i: number) => `user${i}!${NONCE_A}!1!${GOOD}`;
    expect(parseDeviceCookie(`${good(0)}~junk~${good(1)}`).map((e) => e.username)).toEqual(['user0', 'user1']);
    const many = Array.from({ length: 9 }, (_, i) => good(i)).join('~');
    expect(parseDeviceCookie(many)).toHaveLength(DEVICE_ENTRIES_KEPT);
  });

  it('what the MAC covers names its purpose and every field', () => {
    expect(deviceSigned({ username: 'alice', nonce: NONCE_A, issuedAt: 36 })).toBe(`hd-device-2!alice!${NONCE_A}!10`);
  });

  it.each([
    ['alice', true],
    ['a.b_c-9', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['Alice', false],
    ['al ice', false],
    ['al!ice', false],
    ['', false],
  ])('username %j fits an entry: %s', (username, fits) => {
    expect(deviceUsernameFits(username)).toBe(fits);
  });
});

describe('what a browser keeps after a complete sign-in', () => {
  const fresh = entry('alice', NONCE_B, now);
  it.each<[string, DeviceEntry[], DeviceEntry[]]>([
    ['none before: the fresh one', [], [fresh]],
    ['another account’s: kept after the fresh one', [entry('bob')], [fresh, entry('bob')]],
    ['the same account’s older one: replaced', [entry('alice'), entry('bob')], [fresh, entry('bob')]],
    ['another account’s with a MAC that would not verify: kept (only its own account can check it, when it is used)', [entry('bob', NONCE_A, now - day, FORGED)], [fresh, entry('bob', NONCE_A, now - day, FORGED)]],
    ['an expired one: dropped', [entry('bob', NONCE_A, now - DEVICE_LIFETIME_MS)], [fresh]],
    [
      'full: the oldest (last) goes',
      ['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => entry(u)),
      [fresh, ...['u1', 'u2', 'u3', 'u4'].map((u) => entry(u))],
    ],
  ])('%s', (_title, before, after) => {
    expect(rememberDevice(before, fresh)).toEqual(after);
  });
});
