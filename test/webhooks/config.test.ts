/** WEBHOOKS_ALLOW_PRIVATE, WEBHOOKS_TIMEOUT_SECONDS and WEBHOOKS_HISTORY_DAYS (§13). */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { DATABASE_URL: 'sqlite::memory:', SECRET_KEY: 'k'.repeat(32) };

describe('webhook settings', () => {
  it('refuse private addresses and wait 10 s unless told otherwise', () => {
    expect(loadConfig(base)).toMatchObject({ webhooksAllowPrivate: false, webhooksTimeoutSeconds: 10 });
    expect(loadConfig({ ...base, WEBHOOKS_ALLOW_PRIVATE: 'on', WEBHOOKS_TIMEOUT_SECONDS: '0.5' })).toMatchObject({ webhooksAllowPrivate: true, webhooksTimeoutSeconds: 0.5 });
    expect(loadConfig({ ...base, WEBHOOKS_ALLOW_PRIVATE: 'off' }).webhooksAllowPrivate).toBe(false);
  });

  it('keep 30 days of history unless told otherwise', () => {
    expect(loadConfig(base).webhooksHistoryDays).toBe(30);
    expect(loadConfig({ ...base, WEBHOOKS_HISTORY_DAYS: '7' }).webhooksHistoryDays).toBe(7);
    expect(loadConfig({ ...base, WEBHOOKS_HISTORY_DAYS: '3650' }).webhooksHistoryDays).toBe(3650);
  });

  it.each([
    ['WEBHOOKS_ALLOW_PRIVATE', 'yes', /^Configuration error: WEBHOOKS_ALLOW_PRIVATE /],
    ['WEBHOOKS_TIMEOUT_SECONDS', '0', /^Configuration error: WEBHOOKS_TIMEOUT_SECONDS must be more than 0 and at most 60 seconds$/],
    ['WEBHOOKS_TIMEOUT_SECONDS', '61', /^Configuration error: WEBHOOKS_TIMEOUT_SECONDS must be more than 0 and at most 60 seconds$/],
    ['WEBHOOKS_TIMEOUT_SECONDS', 'ten', /^Configuration error: WEBHOOKS_TIMEOUT_SECONDS /],
    ['WEBHOOKS_HISTORY_DAYS', '0', /^Configuration error: WEBHOOKS_HISTORY_DAYS must be a whole number of days from 1 to 3650$/],
    ['WEBHOOKS_HISTORY_DAYS', '1.5', /^Configuration error: WEBHOOKS_HISTORY_DAYS must be a whole number of days from 1 to 3650$/],
    ['WEBHOOKS_HISTORY_DAYS', '3651', /^Configuration error: WEBHOOKS_HISTORY_DAYS must be a whole number of days from 1 to 3650$/],
    ['WEBHOOKS_HISTORY_DAYS', 'month', /^Configuration error: WEBHOOKS_HISTORY_DAYS /],
  ])('stops start-up on %s=%s with one line naming the key', (key, value, message) => {
    const attempt = () => loadConfig({ ...base, [key]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });
});
