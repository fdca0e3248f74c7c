/**
 * The IMAP source (§10) against a real Dovecot and a real database on both engines: mail in the
 * mailbox becomes tickets and messages, is moved to the processed folder only once handled, is seen
 * at once with IDLE and by polling without it, and is read by exactly one of several processes
 * (the lease), another taking over when the holder is gone. A database failure leaves the mail in
 * the mailbox until it can be stored.
 */
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, type DbHandle } from '../../src/db/connect.js';
import { buildApp } from '../../src/http/app.js';
import { referenceOf } from '../../src/core/tickets.js';
import { messageIdFor } from '../../src/mail/message.js';
import { ImapWatcher, type ImapWatcherOptions } from '../../src/mail/inbound/imap.js';
import { emailsOfTicket } from '../../src/repositories/outbox.js';
import { ingestMail } from '../../src/services/inbound.js';
import { TEST_CONFIG } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { type Dovecot, type Mailbox, startDovecot } from '../support/dovecot.js';
import { customerMail } from './support/customer-mail.js';
import { keptLog, numberedMail, rawMail, until } from './support/imap.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DIALECTS)('the IMAP watcher (%s)', (dialect) => {
  let dovecot: Dovecot;
  // Each test: its own database, and its own user's empty mailbox on the one server.
  let database: TestDatabase;
  let mailbox: Mailbox;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dovecot = await startDovecot();
  });
  afterAll(async () => {
    await dovecot.stop();
  });
  beforeEach(async () => {
    database = await freshDatabase(dialect);
    mailbox = dovecot.newMailbox();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
    await database.drop();
  });

  /** A whole app on `handle` (default the test's database) and a watcher of the test's mailbox, started. */
  async function startWatcher(options: Partial<ImapWatcherOptions> & { handle?: DbHandle; maxBytes?: number } = {}) {
    const { handle = database.handle, maxBytes, ...rest } = options;
    const { app, ctx, intake, inbound } = await buildApp({ handle, clock: { now: () => Date.now() }, config: TEST_CONFIG });
    await app.ready();
    const log = keptLog();
    const watcher = new ImapWatcher(
      { ctx, intake, setting: maxBytes === undefined ? inbound : { ...inbound, maxBytes } },
      // A poll far beyond any test: mail is seen by IDLE unless a test says otherwise.
      { url: mailbox.url, pollSeconds: 3600, processedFolder: 'Processed', logger: log, minBackoffMs: 100, maxBackoffMs: 1000, lease: { durationMs: 3000, renewEveryMs: 1000 }, ...rest },
    );
    cleanups.push(async () => {
      await watcher.stop();
      await app.close();
    });
    return { watcher: watcher.start(), log, ctx, inbound };
  }

  const handledMails = () => database.handle.db.selectFrom('inbound_mails').selectAll().where('result', 'is not', null).orderBy('id').execute();
  const ticketCount = async () => Number((await database.handle.db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  it('handles the mail in the mailbox, then moves it to Processed, creating that folder', async () => {
    expect(await mailbox.count('Processed'), 'no Processed folder yet').toBe(0);
    const mail = rawMail({ from: 'Alice Example <alice@example.test>', subject: 'The printer is on fire', body: 'Please send help.', messageId: '<fire-1@example.test>' });
    await mailbox.append(mail);

    const { log } = await startWatcher();
    await until(async () => (await handledMails()).length === 1, 'the mail to be handled');
    await until(async () => (await mailbox.count('INBOX')) === 0, 'the inbox to be emptied');

    const [row] = await handledMails();
    expect(row).toMatchObject({ mail_key: '<fire-1@example.test>', source: 'imap', result: 'created', from_address: 'alice@example.test' });
    const ticket = await database.handle.db.selectFrom('tickets').selectAll().where('id', '=', row!.ticket_id!).executeTakeFirstOrThrow();
    expect(ticket).toMatchObject({ title: 'The printer is on fire', customer_email: 'alice@example.test', customer_name: 'Alice Example' });
    const processed = await mailbox.list('Processed');
    expect(processed.map((m) => m.toString())).toEqual([mail]);
    expect(log.said('imap: created the processed folder')).toHaveLength(1);
    // Only imapflow's word that the password went in the clear (this Dovecot offers no TLS).
    expect(log.entries.filter((e) => e.level !== 'info').map((e) => e.message)).toEqual(['imap: Server does not support STARTTLS, continuing over an unencrypted connection']);
  });

  it('fetches only the start of a mail over INBOUND_MAX_BYTES, and records its real size; the mails around it are read whole', async () => {
    const big = rawMail({ from: 'Bea <bea@example.test>', subject: 'Scans', body: 'x'.repeat(200_000), messageId: '<scans-1@example.test>' });
    await mailbox.append([numberedMail('around', 1), big, numberedMail('around', 2)]);
    const { log } = await startWatcher({ maxBytes: 50_000 });
    await until(async () => (await handledMails()).length === 3, 'the three mails to be handled');
    const rows = await handledMails();
    const bigRow = rows.find((r) => r.mail_key === '<scans-1@example.test>')!;
    expect(bigRow).toMatchObject({ result: 'created', size: Buffer.byteLength(big) });
    expect(bigRow.reason).toContain(`${Buffer.byteLength(big).toLocaleString('en')} bytes`);
    expect(Buffer.from(bigRow.raw!).length).toBeLessThan(2_000); // its header only
    const ticket = await database.handle.db.selectFrom('tickets').select('description').where('id', '=', bigRow.ticket_id!).executeTakeFirstOrThrow();
    expect(ticket.description).toMatch(/^\[This mail was 196 kB, over the help desk's limit of 49 kB/);
    // Only its first bytes crossed the wire: one more than the limit.
    const handled = log.said('imap: mail handled').map((e) => e.fields as { size: number; bytesRead: number });
    expect(handled.find((f) => f.size === Buffer.byteLength(big))?.bytesRead).toBe(50_001);
    for (const row of rows.filter((r) => r !== bigRow)) expect(row.reason).toBeNull();
  });

  it('sees a mail that arrives while it idles at once, with the poll an hour away (IDLE)', async () => {
    const { log } = await startWatcher({ pollSeconds: 3600 });
    await until(() => log.said('imap: watching the mailbox').length > 0, 'the watcher to watch');
    expect(log.said('imap: watching the mailbox')[0]!.fields).toMatchObject({ idle: true });

    for (const n of [1, 2]) {
      await mailbox.append(numberedMail('idle', n));
      await until(async () => (await handledMails()).length === n, `mail ${n} to be handled`);
    }
    await until(async () => (await mailbox.count('Processed')) === 2, 'both mails to be moved');
    expect(await mailbox.count('INBOX')).toBe(0);
    expect((await handledMails()).map((m) => m.result)).toEqual(['created', 'created']);
  });

  it('polls every IMAP_POLL_SECONDS when IDLE is not used', async () => {
    const { log } = await startWatcher({ idle: false, pollSeconds: 1 });
    await until(() => log.said('imap: watching the mailbox').length > 0, 'the watcher to watch');
    expect(log.said('imap: watching the mailbox')[0]!.fields).toMatchObject({ idle: false });

    await mailbox.append(numberedMail('poll', 1));
    await until(async () => (await mailbox.count('Processed')) === 1, 'the mail to be handled and moved');
    expect((await handledMails()).map((m) => [m.mail_key, m.result])).toEqual([['<poll-1@example.test>', 'created']]);
    expect(await mailbox.count('INBOX')).toBe(0);
  });

  it("makes a customer's answer to the ticket's email a message on that ticket", async () => {
    const { inbound } = await startWatcher();
    await mailbox.append(rawMail({ from: 'Bob <bob@example.test>', subject: 'Cannot log in', body: 'My password is refused.', messageId: '<login-1@example.test>' }));
    await until(async () => (await handledMails()).length === 1, 'the first mail to be handled');
    const ticketId = (await handledMails())[0]!.ticket_id!;
    const created = (await emailsOfTicket(database.handle.db, ticketId)).find((e) => e.kind === 'created');
    expect(created, 'the created email to the customer').toBeDefined();

    // Bob answers the email he got: his mail program quotes it and names its Message-ID.
    const ours = messageIdFor(created!, inbound.mailFrom);
    const body = 'It works again after a restart.\r\n\r\nOn Wed, 2 Dec 2026 at 10:01, Helpdesk wrote:\r\n> We received your request.';
    await mailbox.append(rawMail({ from: 'Bob <BOB@example.test>', subject: `Re: [${referenceOf(ticketId)}] Cannot log in`, body, messageId: '<login-2@example.test>', inReplyTo: ours }));
    await until(async () => (await handledMails()).length === 2, 'the answer to be handled');

    expect((await handledMails())[1]).toMatchObject({ mail_key: '<login-2@example.test>', result: 'appended', ticket_id: ticketId });
    const messages = await database.handle.db.selectFrom('messages').selectAll().where('ticket_id', '=', ticketId).orderBy('id').execute();
    expect(messages.map((m) => [m.kind, m.channel, m.body])).toEqual([
      ['customer', 'email', 'My password is refused.'],
      ['customer', 'email', 'It works again after a restart.'],
    ]);
    expect(await ticketCount()).toBe(1);
    await until(async () => (await mailbox.count('Processed')) === 2, 'both mails to be moved');
  });

  it('a mail stored but not yet moved when the process died is seen again as a duplicate; the next one is handled', async () => {
    // What a crash between the commit and the move leaves: the mail committed but still in the inbox.
    // (A crash before the commit leaves nothing, so the mail is simply handled: see inbound-concurrency.)
    const { app, ctx, intake, inbound } = await buildApp({ handle: database.handle, clock: { now: () => Date.now() }, config: TEST_CONFIG });
    cleanups.push(() => app.close());
    const committed = numberedMail('crashed', 1);
    expect((await ingestMail(ctx, intake, inbound, Buffer.from(committed), 'imap')).result).toBe('created');
    await mailbox.append([committed, numberedMail('crashed', 2)]);

    const { log } = await startWatcher();
    await until(async () => (await mailbox.count('Processed')) === 2, 'both mails to be moved');
    expect(log.said('imap: mail handled').map((e) => e.fields.result)).toEqual(['duplicate', 'created']);
    expect((await handledMails()).map((m) => [m.mail_key, m.result])).toEqual([
      ['<crashed-1@example.test>', 'created'],
      ['<crashed-2@example.test>', 'created'],
    ]);
    expect(await ticketCount(), 'one ticket per mail').toBe(2);
    expect(await mailbox.count('INBOX')).toBe(0);
  });

  it('connects again when the connection drops, and goes on handling mail', async () => {
    const { log } = await startWatcher();
    await until(() => log.said('imap: watching the mailbox').length === 1, 'the watcher to watch');
    await dovecot.restart();
    await until(() => log.said('imap: watching the mailbox').length === 2, 'the watcher to connect again');
    expect(log.said('imap: mailbox connection failed').length, 'the drop was logged').toBeGreaterThan(0);

    await mailbox.append(numberedMail('again', 1));
    await until(async () => (await mailbox.count('Processed')) === 1, 'the mail to be handled and moved');
    expect((await handledMails()).map((m) => [m.mail_key, m.result])).toEqual([['<again-1@example.test>', 'created']]);
  });

  it('a handled mail it cannot move (the Processed folder deleted meanwhile) is not left there silently: the folder is made again and the mail moved', async () => {
    const { log } = await startWatcher();
    await until(() => log.said('imap: watching the mailbox').length === 1, 'the watcher to watch');
    await mailbox.deleteFolder('Processed');

    await mailbox.append(numberedMail('unmoved', 1));
    await until(async () => (await mailbox.count('Processed')) === 1, 'the mail to reach a Processed folder made again', 15_000);
    expect(await mailbox.count('INBOX')).toBe(0);
    expect(log.said('imap: mailbox connection failed').map((e) => String(e.fields.err)).join(' '), 'the failed move is logged').toMatch(/could not move/);
    expect((await handledMails()).map((m) => [m.mail_key, m.result])).toEqual([['<unmoved-1@example.test>', 'created']]);
  });

  it('reads a mailbox of thousands of mails (the UIDs asked for fit in one command line)', async () => {
    // 14,000 UIDs listed one by one make a command of about 73 KB, past Dovecot's 64 KB line limit.
    await mailbox.deliver(Array.from({ length: 14_000 }, (_, n) => numberedMail('backlog', n + 1)));
    const { log } = await startWatcher();
    // 90 s: listing 14,000 mails and reading the first on a loaded machine (30 s ran out at a load of 30).
    await until(async () => (await handledMails()).length > 0, 'the first mails to be handled', 90_000, 500);
    expect((await handledMails())[0]!.mail_key).toMatch(/^<backlog-\d+@example\.test>$/);
    expect(log.said('imap: mailbox connection failed')).toEqual([]);
  });

  it('moves to a processed folder named with letters beyond ASCII (modified UTF-7 on the wire), also once it exists', async () => {
    const folder = 'Bearbeitet – Kundendienst ü&';
    const { log } = await startWatcher({ processedFolder: folder });
    await mailbox.append(numberedMail('umlaut', 1));
    await until(async () => (await mailbox.count(folder)) === 1, 'the mail to be moved to the folder');
    await dovecot.restart();
    await until(() => log.said('imap: watching the mailbox').length === 2, 'the watcher to connect again');
    await mailbox.append(numberedMail('umlaut', 2));
    await until(async () => (await mailbox.count(folder)) === 2, 'the second mail to be moved to the same folder');
    expect(await mailbox.count('INBOX')).toBe(0);
  });

  it('a refused sign-in is logged without the password and tried again, never thrown', async () => {
    const url = mailbox.url.replace(/:[^:@/]+@127/, ':not-the-pass%2Fword@127');
    expect(url).not.toBe(mailbox.url);
    const { log, watcher } = await startWatcher({ url });
    await until(() => log.said('imap: mailbox connection failed').length >= 2, 'two failed tries');
    expect(watcher.watching, 'it still holds the lease and keeps trying').toBe(true);
    const logged = JSON.stringify(log.entries);
    expect(logged).not.toMatch(/not-the-pass/);
    expect(logged).toMatch(/AUTHENTICATIONFAILED|Authentication failed/i);
  });

  it('with two processes on one database, only the lease holder reads the mailbox and each mail is handled once', async () => {
    const second = connect(database.url);
    cleanups.push(() => second.destroy());
    const one = await startWatcher();
    const two = await startWatcher({ handle: second });
    await until(() => one.watcher.watching || two.watcher.watching, 'one of them to take the lease');

    const mails = Array.from({ length: 8 }, (_, i) => numberedMail('pair', i + 1));
    await mailbox.append(mails);
    await until(async () => (await mailbox.count('Processed')) === mails.length, 'every mail to be moved', 60_000);

    expect([one.watcher.watching, two.watcher.watching].filter(Boolean), 'holders').toHaveLength(1);
    const holder = one.watcher.watching ? one : two;
    const other = holder === one ? two : one;
    expect(holder.log.said('imap: mail handled')).toHaveLength(mails.length);
    expect(other.log.said('imap: mail handled')).toHaveLength(0);
    expect(other.log.said('imap: watching the mailbox')).toHaveLength(0);

    const rows = await handledMails();
    expect(rows.map((r) => r.result)).toEqual(mails.map(() => 'created'));
    expect(new Set(rows.map((r) => r.mail_key)).size).toBe(mails.length);
    const titles = await database.handle.db.selectFrom('tickets').select('title').execute();
    expect(titles.map((t) => t.title).sort()).toEqual(mails.map((_, i) => `pair question ${i + 1}`).sort());
    expect(await mailbox.count('INBOX')).toBe(0);
  });

  it('another process takes the mailbox over when the holder is gone without giving the lease up', async () => {
    // The first holder loses its database for good (a dead process, a cut network): it can neither
    // renew nor give up its lease, which simply runs out.
    const lost = connect(database.url);
    const lease = { durationMs: 1500, renewEveryMs: 300 };
    const first = await startWatcher({ handle: lost, lease });
    await until(() => first.watcher.watching, 'the first process to take the lease');
    const second = await startWatcher({ lease });
    await mailbox.append(numberedMail('takeover', 1));
    await until(async () => (await handledMails()).length === 1, 'the first mail to be handled');
    expect(first.log.said('imap: mail handled')).toHaveLength(1);
    expect(second.watcher.watching).toBe(false);

    await lost.destroy();
    await mailbox.append(numberedMail('takeover', 2));
    await until(() => second.watcher.watching, 'the second process to take the lease over');
    await until(async () => (await handledMails()).length === 2, 'the second mail to be handled');
    await until(async () => (await mailbox.count('Processed')) === 2, 'both mails to be moved');

    expect(first.watcher.watching).toBe(false);
    expect(second.log.said('imap: mail handled').map((e) => e.fields.result)).toEqual(['created']);
    expect((await handledMails()).map((m) => m.mail_key)).toEqual(['<takeover-1@example.test>', '<takeover-2@example.test>']);
    expect(await ticketCount()).toBe(2);
  });

  it('leaves a mail it could not store in the mailbox, and handles it once the database is back', async () => {
    const { log } = await startWatcher();
    await until(() => log.said('imap: watching the mailbox').length > 0, 'the watcher to watch');
    // The inbound log out of reach: every write of a mail fails as with a database that is down.
    await sql`alter table inbound_mails rename to inbound_mails_away`.execute(database.handle.db);
    await mailbox.append(numberedMail('outage', 1));
    const refused = 'imap: mail could not be stored; it stays in the mailbox and is tried again';
    await until(() => log.said(refused).length >= 2, 'the watcher to try twice');
    expect(await mailbox.count('INBOX'), 'the mail stays in the inbox').toBe(1);
    expect(await mailbox.count('Processed')).toBe(0);
    expect(await ticketCount()).toBe(0);

    await sql`alter table inbound_mails_away rename to inbound_mails`.execute(database.handle.db);
    await until(async () => (await mailbox.count('Processed')) === 1, 'the mail to be handled and moved');
    expect((await handledMails()).map((m) => [m.mail_key, m.result])).toEqual([['<outage-1@example.test>', 'created']]);
    expect(await mailbox.count('INBOX')).toBe(0);
    expect(await ticketCount()).toBe(1);
    // Settled: no further tries once stored.
    const tries = log.said(refused).length;
    await sleep(300);
    expect(log.said(refused)).toHaveLength(tries);
  });

  it('keeps the people a mail copies (not the mailbox it was delivered to), and takes a copied person’s answer onto the ticket as theirs', async () => {
    const opening = customerMail({
      from: 'Alice Example <alice@example.test>',
      to: 'Support <support@helpdesk.test>',
      messageId: '<cc-open@example.test>',
      headers: ['Delivered-To: support@helpdesk.test', 'Cc: Bob Example <bob@example.test>, SUPPORT@helpdesk.test'],
    }).toString('utf8');
    await mailbox.append(opening);
    await startWatcher();
    await until(async () => (await handledMails()).length === 1, 'the opening mail to be handled');
    const [opened] = await handledMails();
    expect(opened).toMatchObject({ result: 'created' });
    const copied = await database.handle.db.selectFrom('ticket_ccs').select(['address', 'name']).where('ticket_id', '=', opened!.ticket_id!).execute();
    expect(copied).toEqual([{ address: 'bob@example.test', name: 'Bob Example' }]);

    await mailbox.append(rawMail({ from: 'Bob Example <bob@example.test>', subject: 'Re: Printer on fire', body: 'Same here.', messageId: '<cc-bob@example.test>', inReplyTo: '<cc-open@example.test>' }));
    await until(async () => (await handledMails()).length === 2, 'the answer to be handled');
    expect((await handledMails())[1]).toMatchObject({ result: 'appended', ticket_id: opened!.ticket_id });
    const message = await database.handle.db.selectFrom('messages').select(['kind', 'author_name', 'body']).where('mail_key', '=', '<cc-bob@example.test>').executeTakeFirstOrThrow();
    expect(message).toEqual({ kind: 'customer', author_name: 'Bob Example (bob@example.test)', body: 'Same here.' });
  });
});
