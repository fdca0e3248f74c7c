/** MAIL_FROM and MAIL_REPLY_TO (SPEC §5, §7): the From: and the Reply-To: of every email, one mailbox each. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { DATABASE_URL: 'sqlite::memory:', SECRET_KEY: 'k'.repeat(32) };

describe('MAIL_REPLY_TO', () => {
  it('defaults to MAIL_FROM', () => {
    expect(loadConfig(base).mailReplyTo).toBe('Helpdesk <helpdesk@localhost>');
    expect(loadConfig({ ...base, MAIL_FROM: 'Acme <help@acme.example>' }).mailReplyTo).toBe('Acme <help@acme.example>');
    expect(loadConfig({ ...base, MAIL_FROM: 'Acme <help@acme.example>', MAIL_REPLY_TO: '  ' }).mailReplyTo).toBe('Acme <help@acme.example>');
  });

  it('takes an address, or a name and an address', () => {
    expect(loadConfig({ ...base, MAIL_REPLY_TO: 'answers@acme.example' }).mailReplyTo).toBe('answers@acme.example');
    expect(loadConfig({ ...base, MAIL_REPLY_TO: 'Acme Support <answers@acme.example> ' }).mailReplyTo).toBe('Acme Support <answers@acme.example>');
  });

  it.each(['answers', 'a@b.example, c@d.example', 'Support <answers@acme.example', 'answers@acme.example\nBcc: x@y.example'])('stops start-up on %j with one line naming the key', (value) => {
    const attempt = () => loadConfig({ ...base, MAIL_REPLY_TO: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^Configuration error: MAIL_REPLY_TO must be one email address, optionally with a name: Support <help@example\.com>$/);
  });
});

describe('MAIL_FROM', () => {
  it('takes an address, or a name and an address; default Helpdesk <helpdesk@localhost>', () => {
    expect(loadConfig(base).mailFrom).toBe('Helpdesk <helpdesk@localhost>');
    expect(loadConfig({ ...base, MAIL_FROM: 'help@acme.example' }).mailFrom).toBe('help@acme.example');
    expect(loadConfig({ ...base, MAIL_FROM: ' Acme Support <help@acme.example> ' }).mailFrom).toBe('Acme Support <help@acme.example>');
  });

  // The same rule and the same one line as MAIL_REPLY_TO: every email's From: is made of it.
  it.each(['garbage', 'a@b.example, c@d.example', 'Acme <help@acme.example', 'help@acme.example\nBcc: x@y.example'])('stops start-up on %j with one line naming the key', (value) => {
    const attempt = () => loadConfig({ ...base, MAIL_FROM: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^Configuration error: MAIL_FROM must be one email address, optionally with a name: Support <help@example\.com>$/);
  });
});

describe('MAIL_MAX_MESSAGE_MB: the largest email the mail server takes when it advertises no SIZE', () => {
  it('defaults to 10 MB, takes whole and decimal megabytes (of 1,000,000 bytes, within Postfix’s 10,240,000)', () => {
    expect(loadConfig(base).mailMaxMessageBytes).toBe(10_000_000);
    expect(loadConfig({ ...base, MAIL_MAX_MESSAGE_MB: '35' }).mailMaxMessageBytes).toBe(35_000_000);
    expect(loadConfig({ ...base, MAIL_MAX_MESSAGE_MB: ' 9.5 ' }).mailMaxMessageBytes).toBe(9_500_000);
    expect(loadConfig({ ...base, MAIL_MAX_MESSAGE_MB: '' }).mailMaxMessageBytes).toBe(10_000_000);
  });

  it.each(['0', '-5', 'ten', '10MB', '1e9', '2000', 'NaN'])('refuses %j by name, saying what it takes', (value) => {
    const attempt = () => loadConfig({ ...base, MAIL_MAX_MESSAGE_MB: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^Configuration error: MAIL_MAX_MESSAGE_MB must be a number of megabytes from 1 to 1000, such as 10 or 35 \(used when the mail server advertises no SIZE\)$/);
  });
});
