/**
 * A worker without a mail server beside processes with one (README, *Running on PostgreSQL with
 * several processes*): while any sender's lease is alive it takes no email, so none a mail server
 * could send is only `logged`; it says so once, not every round, and logs the emails again (the quick
 * start) once the last sender stops or its lease runs out. On both engines, with a real SMTP server.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAIL_SENDER_LEASE_PREFIX } from '../../src/core/mailSenders.js';
import { announceMailSender } from '../../src/jobs/mailSenderLease.js';
import { createLogMailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { acquireLease, countLiveLeases, readLease } from '../../src/repositories/leases.js';
import { listOutbox } from '../../src/repositories/outbox.js';
import { TicketIntake } from '../../src/services/intake.js';
import { DIALECTS } from '../support/db.js';
import { until } from './support/imap.js';
import { eachTestbedWithSmtp, MAIL_FROM, memoryLogger, type Testbed, testbed, ticketForm } from './support/testbed.js';

const LEAVING = /leaving the emails to them/;
const RESUMING = /no process with a mail server is running any more/;

for (const dialect of DIALECTS) {
  describe(`a worker without a mail server beside mail senders (${dialect})`, () => {
    const t = eachTestbedWithSmtp(dialect);

    const mailerless = () => {
      const logger = memoryLogger();
      const worker = new OutboxWorker({ handle: t.bed.ctx.handle, mailer: createLogMailer(logger), clock: t.bed.clock, from: MAIL_FROM, logger });
      const said = (pattern: RegExp) => logger.entries.filter((e) => e.level === 'warn' && pattern.test(e.message)).length;
      return { worker, said };
    };
    const submit = (i: number) => new TicketIntake(t.bed.ctx).submit(ticketForm({ email: `carla${i}@customer.example`, title: `Printer ${i}` }));
    const statuses = async () => (await listOutbox(t.bed.ctx.handle.db)).map((r) => r.status).sort();
    const liveSenders = () => countLiveLeases(t.bed.ctx.handle.db, MAIL_SENDER_LEASE_PREFIX, t.bed.clock.now());

    it('leaves the emails to a live sender (said once), and logs them again once the sender stops cleanly', async () => {
      await submit(1);
      await submit(2);
      const { worker, said } = mailerless();
      const sender = announceMailSender(t.bed.ctx.handle, memoryLogger(), { clock: t.bed.clock });
      await until(async () => (await liveSenders()) === 1, 'the sender’s lease');

      for (let round = 0; round < 3; round++) expect((await worker.runOnce()).claimed, `round ${round}`).toBe(0);
      expect(await statuses()).toEqual(['pending', 'pending']);
      expect(said(LEAVING), 'said once, not every round').toBe(1);
      // The sender's own worker sends them.
      expect((await t.bed.worker(t.smtp.url).runOnce()).sent).toBe(2);
      expect(t.smtp.received.map((e) => e.rcptTo[0]).sort()).toEqual(['carla1@customer.example', 'carla2@customer.example']);

      await submit(3);
      await sender.stop();
      expect(await liveSenders()).toBe(0);
      expect((await worker.runOnce()).claimed).toBe(1);
      expect(await statuses()).toEqual(['logged', 'sent', 'sent']);
      await worker.runOnce();
      expect([said(LEAVING), said(RESUMING)]).toEqual([1, 1]);
      expect(t.smtp.received).toHaveLength(2);
    });

    it('a sender killed without a clean stop: its lease runs out and the worker logs again; the next sender drops the leftover', async () => {
      const db = t.bed.ctx.handle.db;
      // What a killed sender leaves behind: its lease, renewed for the last time now.
      expect(await acquireLease(db, `${MAIL_SENDER_LEASE_PREFIX}killed`, 'killed', t.bed.clock.now(), 60_000)).toBe(true);
      // Another job's lease is no sender.
      expect(await acquireLease(db, 'imap:mailbox', 'someone', t.bed.clock.now(), 60_000)).toBe(true);
      await submit(1);
      const { worker, said } = mailerless();
      expect((await worker.runOnce()).claimed).toBe(0);
      t.bed.clock.advance(59_999);
      expect((await worker.runOnce()).claimed, 'still alive 1 ms before it runs out').toBe(0);
      // Run out at its expiry, as its holder sees it (Lease.held).
      t.bed.clock.advance(1);
      expect((await worker.runOnce()).claimed).toBe(1);
      expect(await statuses()).toEqual(['logged']);
      expect([said(LEAVING), said(RESUMING)]).toEqual([1, 1]);

      const next = announceMailSender(t.bed.ctx.handle, memoryLogger(), { clock: t.bed.clock });
      await until(async () => (await readLease(db, `${MAIL_SENDER_LEASE_PREFIX}killed`)) === undefined, 'the leftover dropped');
      await until(async () => (await liveSenders()) === 1, 'the next sender’s lease');
      expect((await readLease(db, 'imap:mailbox'))?.holder, 'another job’s lease is left alone').toBe('someone');
      await next.stop();
    });
  });
}

describe('senders’ leases under a linguistic collation (postgres)', () => {
  let bed: Testbed;
  beforeEach(async () => {
    bed = await testbed('postgres');
  });
  afterEach(async () => bed.close());

  it('are counted by their name’s first characters, not by a range that en-US puts elsewhere', async () => {
    const db = bed.ctx.handle.db;
    // A database created with an en_US locale compares names so: punctuation counts for little.
    await sql`alter table leases alter column name type varchar(100) collate "en-US-x-icu"`.execute(db);
    const { rows } = await sql<{ inRange: boolean }>`select 'mail-sender:zz' collate "en-US-x-icu" < 'mail-sender;' as "inRange"`.execute(db);
    expect(rows[0]!.inRange, 'the range on the key would miss this sender').toBe(false);
    const now = bed.clock.now();
    for (const name of ['mail-sender:zz', 'mail-sender:aa', 'mail-sender;x', 'mail-senderx', 'MAIL-SENDER:y', 'imap:x']) await acquireLease(db, name, 'h', now, 60_000);
    expect(await countLiveLeases(db, MAIL_SENDER_LEASE_PREFIX, now)).toBe(2);
  });
});
