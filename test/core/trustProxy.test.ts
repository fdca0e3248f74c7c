import { describe, expect, it } from 'vitest';
import { forwardedAddresses, forwardedByOwnProxy, ipFamily, parseTrustProxy } from '../../src/core/trustProxy.js';

describe('TRUST_PROXY (issue 20 item 2)', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['off', false],
    ['OFF', false],
    ['false', false],
    ['0', false],
    ['on', true],
    ['true', true],
    ['1', 1],
    ['2', 2],
    ['10', 10],
    ['127.0.0.1', ['127.0.0.1']],
    ['10.0.0.0/8, 192.168.1.7', ['10.0.0.0/8', '192.168.1.7']],
    ['::1,fd00::/8', ['::1', 'fd00::/8']],
    ['loopback, uniquelocal', ['loopback', 'uniquelocal']],
    ['LinkLocal', ['linklocal']],
    ['10.0.0.0/32', ['10.0.0.0/32']],
    ['2001:db8::/128', ['2001:db8::/128']],
  ])('%j → %j', (raw, expected) => {
    expect(parseTrustProxy(raw)).toEqual(expected);
  });

  it.each([
    ['maybe', 'not an address: maybe'],
    ['11', 'at most 10 hops'],
    ['10.0.0.0/33', 'not an address: 10.0.0.0/33'],
    ['::1/129', 'not an address: ::1/129'],
    ['10.0.0.1/8/2', 'not an address: 10.0.0.1/8/2'],
    ['10.0.0.300', 'not an address: 10.0.0.300'],
    ['proxy.example.com', 'not an address: proxy.example.com'],
    [',', 'none given'],
    ['10.0.0.1, yes', 'not an address: yes'],
    ['10.0.0.0/x', 'not an address: 10.0.0.0/x'],
  ])('%j is refused: %s', (raw, problem) => {
    const parsed = parseTrustProxy(raw);
    expect(parsed).toHaveProperty('problem');
    expect((parsed as { problem: string }).problem).toContain(problem);
  });
});

describe('ipFamily', () => {
  it.each([
    ['127.0.0.1', 4],
    ['0.0.0.0', 4],
    ['255.255.255.255', 4],
    ['256.0.0.1', 0],
    ['01.2.3.4', 0],
    ['1.2.3', 0],
    ['::', 6],
    ['::1', 6],
    ['fe80::1', 6],
    ['2001:db8:0:0:0:0:0:1', 6],
    ['2001:DB8::1', 6],
    ['::ffff:10.0.0.1', 6],
    ['1:2:3:4:5:6:1.2.3.4', 6],
    ['1:2:3:4:5:6:7:8:9', 0],
    ['1:2:3:4:5:6:7', 0],
    ['1::2::3', 0],
    ['12345::1', 0],
    ['g::1', 0],
    ['', 0],
    ['localhost', 0],
  ])('%s → %i', (address, family) => {
    expect(ipFamily(address)).toBe(family);
  });
});

describe('forwardedAddresses', () => {
  it.each([
    ['203.0.113.7:50123', '203.0.113.7'],
    ['203.0.113.7', '203.0.113.7'],
    ['[2001:db8::7]:443', '2001:db8::7'],
    ['[2001:db8::7]', '2001:db8::7'],
    ['2001:db8::7', '2001:db8::7'],
    ['::ffff:203.0.113.7', '::ffff:203.0.113.7'],
    ['198.51.100.1:1, 10.0.0.2:8080', '198.51.100.1, 10.0.0.2'],
    [' 198.51.100.1 ,[::1]:80', '198.51.100.1, ::1'],
    // No address: left out, never taken for the client's.
    ['unknown, 198.51.100.1', '198.51.100.1'],
    ['999.1.1.1:80, 10.0.0.2', '10.0.0.2'],
    ['[not-an-address]:80', null],
    ['203.0.113.7:', null],
    ['<script>', null],
    ['', null],
  ])('%s → %s', (header, expected) => {
    expect(forwardedAddresses(header)).toBe(expected);
  });
});

describe('forwardedByOwnProxy (TRUST_PROXY off)', () => {
  it.each([
    ['127.0.0.1', '198.51.100.1', true],
    ['::1', '198.51.100.1', true],
    ['::ffff:127.0.0.1', '198.51.100.1', true],
    ['10.0.0.2', '198.51.100.1', true],
    ['192.168.1.5', '198.51.100.1', true],
    ['fd00::5', '198.51.100.1', true],
    // A client on the internet writing the header itself: off ignores it, rightly.
    ['203.0.113.50', '198.51.100.1', false],
    ['127.0.0.1', undefined, false],
    ['127.0.0.1', ' ', false],
  ])('from %s with X-Forwarded-For %s: %s', (peer, header, expected) => {
    expect(forwardedByOwnProxy(peer, header)).toBe(expected);
  });
});
