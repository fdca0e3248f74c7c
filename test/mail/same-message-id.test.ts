/**
 * A mail is a duplicate of an earlier one only when the same sender sent it (SPEC §10 rule 2): an
 * outsider who learns or guesses a customer's Message-ID, or another mailer that makes the same
 * one, must not get the customer's mail dropped. Mail from a real Dovecot mailbox through the IMAP
 * watcher, on both engines: the second sender's mail is handled under a key of its own, its own
 * copy delivered again is still a duplicate, and the sender's answer to it finds its ticket.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { ImapWatcher } from '../../src/mail/inbound/imap.js';
import { TEST_CONFIG } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { type Dovecot, type Mailbox, startDovecot } from '../support/dovecot.js';
import { keptLog, rawMail, until } from './support/imap.js';

describe.each(DIALECTS)('the same Message-ID from two senders (%s)', (dialect) => {
  let dovecot: Dovecot;
  let database: TestDatabase;
  let mailbox: Mailbox;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    dovecot = await startDovecot();
  });
  afterAll(() => dovecot.stop());
  beforeEach(async () => {
    database = await freshDatabase(dialect);
    mailbox = dovecot.newMailbox();
    const { app, ctx, intake, inbound } = await buildApp({ handle: database.handle, clock: { now: () => Date.now() }, config: TEST_CONFIG });
    await app.ready();
    const watcher = new ImapWatcher(
      { ctx, intake, setting: inbound },
      { url: mailbox.url, pollSeconds: 3600, processedFolder: 'Processed', logger: keptLog(), minBackoffMs: 100, maxBackoffMs: 1000, lease: { durationMs: 3000, renewEveryMs: 1000 } },
    );
    watcher.start();
    stop = async () => {
      await watcher.stop();
      await app.close();
    };
  });
  afterEach(async () => {
    await stop();
    await database.drop();
  });

  const handled = () => database.handle.db.selectFrom('inbound_mails').select(['mail_key', 'from_address', 'result', 'ticket_id']).where('result', 'is not', null).orderBy('id').execute();
  /** Appends `raw` and waits until it is handled: the `count`th mail moved to Processed (a duplicate adds no row to the log). */
  async function deliver(raw: string, count: number) {
    await mailbox.append(raw);
    await until(async () => (await mailbox.count('Processed')) === count, `${count} mails processed`);
  }

  it("handles a customer's mail whose Message-ID an earlier mail of another sender already had", async () => {
    const id = '<20261207.guessed@customer.example>';
    await deliver(rawMail({ from: 'Mallory <mallory@outsider.example>', subject: 'Hello', body: 'Sent first with the id.', messageId: id }), 1);
    const carla = rawMail({ from: 'Carla Customer <carla@customer.example>', subject: 'The printer is on fire', body: 'Please send help.', messageId: id });
    await deliver(carla, 2);
    const [first, second] = await handled();
    expect(first).toMatchObject({ mail_key: id, from_address: 'mallory@outsider.example', result: 'created' });
    expect(second).toMatchObject({ from_address: 'carla@customer.example', result: 'created' });
    expect(second!.ticket_id).not.toBe(first!.ticket_id);
    const ticket = await database.handle.db.selectFrom('tickets').select(['title', 'customer_email']).where('id', '=', second!.ticket_id!).executeTakeFirstOrThrow();
    expect(ticket).toEqual({ title: 'The printer is on fire', customer_email: 'carla@customer.example' });

    // Carla's mail delivered again (another relay's header on it) is still a duplicate: nothing new logged.
    await deliver(`Received: from mx2.customer.example by mx.helpdesk.test; Mon, 7 Dec 2026 10:00:02 +0000\r\n${carla}`, 3);
    expect(await handled()).toHaveLength(2);

    // Her answer to her own mail finds her ticket, not the outsider's.
    await deliver(rawMail({ from: 'Carla Customer <carla@customer.example>', subject: 'Re: The printer is on fire', body: 'Still burning.', messageId: '<carla.2@customer.example>', inReplyTo: id }), 4);
    expect((await handled())[2]).toMatchObject({ result: 'appended', ticket_id: second!.ticket_id });
  });
});
