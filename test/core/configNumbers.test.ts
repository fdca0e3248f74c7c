/**
 * Numeric settings are read as plain decimal numbers only. `Number()` (zod's coerce) also took
 * `0x10` (16), `1e3` (1000), ` 80` and `+80`, so a typo or a template's leftover started the server
 * on a port or with a limit nobody wrote; every such value now stops start-up with one line.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { DATABASE_URL: 'sqlite::memory:', SECRET_KEY: 'k'.repeat(32) };

const WHOLE = [
  ['PORT', 'port', 8080, 'a whole number from 0 (any free port) to 65535'],
  ['SESSION_IDLE_MINUTES', 'sessionIdleMinutes', 60, 'a whole number of minutes from 1 to 43200'],
  ['LIVE_HEARTBEAT_SECONDS', 'liveHeartbeatSeconds', 20, 'a whole number of seconds from 1 to 60'],
  ['CLOSE_UNDO_SECONDS', 'closeUndoSeconds', 10, 'a whole number of seconds from 0 to'],
  ['API_PRESENCE_MINUTES', 'apiPresenceMinutes', 45, 'a whole number of minutes from 1 to 43200'],
  ['WEBHOOKS_HISTORY_DAYS', 'webhooksHistoryDays', 14, 'a whole number of days from 1 to 3650'],
] as const;

const INBOUND = [
  ['IMAP_POLL_SECONDS', 'imapPollSeconds', 45],
  ['IMAP_LEASE_SECONDS', 'imapLeaseSeconds', 90],
  ['INBOUND_MAX_BYTES', 'maxBytes', 2048],
  ['INBOUND_TICKETS_PER_HOUR', 'ticketsPerHour', 50],
] as const;

const NOT_PLAIN = (n: number) => [`0x${n.toString(16)}`, `${n / 10}e1`, ` ${n}`, `${n} `, `+${n}`, `${n}.0`, `${n}_0`, `0b${n.toString(2)}`, `${n}abc`];

describe('numeric settings', () => {
  it.each(WHOLE)('%s takes a plain decimal whole number', (key, field, value) => {
    expect(loadConfig({ ...base, [key]: String(value) })[field]).toBe(value);
  });

  it.each(INBOUND)('%s takes a plain decimal whole number', (key, field, value) => {
    expect(loadConfig({ ...base, [key]: String(value) }).inbound[field]).toBe(value);
  });

  it.each(WHOLE)('%s refuses hexadecimal, exponents, signs, spaces and fractions, naming what it takes', (key, _field, value, words) => {
    for (const bad of NOT_PLAIN(value)) {
      const attempt = () => loadConfig({ ...base, [key]: bad });
      expect(attempt, bad).toThrow(ConfigError);
      expect(attempt, bad).toThrow(`Configuration error: ${key} must be ${words}`);
    }
  });

  it.each(INBOUND)('%s refuses hexadecimal, exponents, signs, spaces and fractions', (key, _field, value) => {
    for (const bad of NOT_PLAIN(value)) expect(() => loadConfig({ ...base, [key]: bad }), bad).toThrow(new RegExp(`^Configuration error: ${key} must be a whole number`));
  });

  it.each([
    ['AUTO_AWAY_MINUTES', 'autoAwayMinutes', '0.5', 0.5],
    ['WEBHOOKS_TIMEOUT_SECONDS', 'webhooksTimeoutSeconds', '2.5', 2.5],
  ] as const)('%s takes a plain decimal number with a fraction, and nothing else', (key, field, good, value) => {
    expect(loadConfig({ ...base, [key]: good })[field]).toBe(value);
    for (const bad of ['0x2', '2e0', ' 2', '+2', '2.', '.5', '2,5']) expect(() => loadConfig({ ...base, [key]: bad }), bad).toThrow(new RegExp(`^Configuration error: ${key} must be`));
  });

  it('PORT keeps its range', () => {
    expect(() => loadConfig({ ...base, PORT: '65536' })).toThrow('Configuration error: PORT must be a whole number from 0 (any free port) to 65535');
    expect(loadConfig({ ...base, PORT: '0' }).port).toBe(0);
  });
});
