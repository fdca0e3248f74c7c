import { describe, expect, it } from 'vitest';
import { describeImapAddress, parseImapUrl, readImapUrl, sameFolder } from '../../src/core/imapUrl.js';
import { loadConfig } from '../../src/config.js';

describe('IMAP_URL', () => {
  it.each([
    ['imaps://user:pass@imap.example.com:993/INBOX', { secure: true, host: 'imap.example.com', port: 993, user: 'user', password: 'pass', mailbox: 'INBOX' }],
    ['imap://user:pass@mail.example.com:143/INBOX', { secure: false, host: 'mail.example.com', port: 143, user: 'user', password: 'pass', mailbox: 'INBOX' }],
    // Default ports and mailbox.
    ['imaps://user:pass@imap.example.com', { secure: true, port: 993, mailbox: 'INBOX' }],
    ['imap://user:pass@imap.example.com/', { secure: false, port: 143, mailbox: 'INBOX' }],
    ['IMAPS://user:pass@imap.example.com/', { secure: true, port: 993 }],
    // Percent-encoded user (an address) and password.
    ['imaps://support%40example.com:p%40ss%2Fw%25rd%20%3A%3F%23@imap.example.com/INBOX', { user: 'support@example.com', password: 'p@ss/w%rd :?#' }],
    // An @ left unencoded in the password: the last @ ends it.
    ['imaps://support%40example.com:p@ss@imap.example.com/INBOX', { user: 'support@example.com', password: 'p@ss', host: 'imap.example.com' }],
    ['imaps://user@imap.example.com/INBOX', { user: 'user', password: '' }],
    // Another folder, nested, with a space.
    ['imaps://user:pass@imap.example.com/INBOX.Support', { mailbox: 'INBOX.Support' }],
    ['imaps://user:pass@imap.example.com/Help%20desk/New/', { mailbox: 'Help desk/New' }],
    ['imap://user:pass@127.0.0.1:10143/INBOX', { host: '127.0.0.1', port: 10143 }],
    ['imap://user:pass@[::1]:10143/INBOX', { host: '::1', port: 10143 }],
    ['  imaps://user:pass@imap.example.com/INBOX  ', { host: 'imap.example.com' }],
  ])('reads %s', (url, expected) => {
    expect(parseImapUrl(url)).toMatchObject(expected);
  });

  it.each([
    ['', /must start with imap:\/\/ or imaps:\/\//],
    ['https://user:pass@imap.example.com/', /must start with imap:\/\/ or imaps:\/\//],
    ['imap:user:pass@imap.example.com', /must start with imap:\/\/ or imaps:\/\//],
    ['imaps://imap.example.com/INBOX', /must name a user/],
    ['imaps://user:pass@/INBOX', /not a valid URL|must name a host/],
    ['imaps://user:pass@imap.example.com:99999/INBOX', /not a valid URL/],
    ['imaps://user:pass@imap.example.com:0/INBOX', /port 0/],
    ['imaps://user:pa?ss@imap.example.com/INBOX', /not a valid URL .*%3F/],
    ['imaps://user:pass@imap.example.com/INBOX#x', /must not hold \? or #/],
    ['imaps://user:100%@imap.example.com/INBOX', /broken %-escape/],
  ])('refuses %j, saying what is wrong', (url, problem) => {
    const read = readImapUrl(url);
    expect('problem' in read && read.problem).toMatch(problem);
    expect(() => parseImapUrl(url)).toThrow(/^IMAP_URL /);
  });

  it('never shows the password when described for a log', () => {
    const address = parseImapUrl('imaps://support%40example.com:s3cret%2F@imap.example.com/INBOX');
    expect(describeImapAddress(address)).toBe('imaps://support%40example.com@imap.example.com:993/INBOX');
    expect(describeImapAddress(parseImapUrl('imap://u:p@[::1]:1143/'))).toBe('imap://u@[::1]:1143/INBOX');
  });

  it.each([
    ['INBOX', 'INBOX', true],
    ['INBOX', 'inbox', true],
    ['Inbox', 'INBOX', true],
    ['INBOX', 'Processed', false],
    ['Support', 'support', false],
    ['INBOX.Processed', 'INBOX', false],
  ])('folders %j and %j are the same: %s', (a, b, same) => {
    expect(sameFolder(a, b)).toBe(same);
  });

  it('a bad IMAP_URL stops start-up with one line naming the key and the problem, never the password', () => {
    expect(() => loadConfig({ IMAP_URL: 'imaps://user:100%secret@imap.example.com/' })).toThrow('Configuration error: IMAP_URL holds a broken %-escape (write % itself as %25)');
    expect(() => loadConfig({ IMAP_URL: 'imaps://imap.example.com/' })).toThrow(/^Configuration error: IMAP_URL must name a user/);
    expect(loadConfig({ IMAP_URL: 'imaps://user:p%40ss@imap.example.com/' }).inbound.imapUrl).toBe('imaps://user:p%40ss@imap.example.com/');
    // Mail moved into the folder it is read from would come back for ever.
    expect(() => loadConfig({ IMAP_URL: 'imaps://user:pass@imap.example.com/', IMAP_PROCESSED_FOLDER: 'inbox' })).toThrow('Configuration error: IMAP_PROCESSED_FOLDER must differ from the mailbox IMAP_URL reads');
    expect(() => loadConfig({ IMAP_URL: 'imaps://user:pass@imap.example.com/Support', IMAP_PROCESSED_FOLDER: 'Support' })).toThrow(/IMAP_PROCESSED_FOLDER must differ/);
  });

  it('IMAP_LEASE_SECONDS: 60 by default; 3 to 3600 whole seconds, anything else stops start-up naming it', () => {
    expect(loadConfig({}).inbound.imapLeaseSeconds).toBe(60);
    expect(loadConfig({ IMAP_LEASE_SECONDS: '10' }).inbound.imapLeaseSeconds).toBe(10);
    for (const bad of ['2', '3601', '1.5', 'soon', '-60']) expect(() => loadConfig({ IMAP_LEASE_SECONDS: bad }), bad).toThrow(/^Configuration error: IMAP_LEASE_SECONDS /);
  });
});
