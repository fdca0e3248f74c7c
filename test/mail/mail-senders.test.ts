/**
 * A worker without a mail server beside processes with one (README, *Running on PostgreSQL with
 * several processes*): while any sender's lease is alive, or the senders' marker says one ran within
 * the grace period, it takes no email, so none a mail server could send is only `logged`, not even
 * while the only sender restarts; it says so once, not every round, and logs the emails again once
 * the grace period after the last sender ends (at once, the quick start, when none ever ran). On
 * both engines, with a real SMTP server.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAIL_SENDER_GRACE_MS, MAIL_SENDER_LEASE_PREFIX, RECENT_MAIL_SENDER_LEASE } from '../../src/core/mailSenders.js';
import { announceMailSender } from '../../src/jobs/mailSenderLease.js';
import { createLogMailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { acquireLease, liveLeasesAndExpiry, readLease, stampLease } from '../../src/repositories/leases.js';
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
    const liveSenders = async () => (await liveLeasesAndExpiry(t.bed.ctx.handle.db, MAIL_SENDER_LEASE_PREFIX, RECENT_MAIL_SENDER_LEASE, t.bed.clock.now())).live;

    it('leaves the emails to a live sender (said once), waits out its restart, and logs them again only once the grace period ends', async () => {
      await submit(1);
      await submit(2);
      const { worker, said } = mailerless();
      const sender = announceMailSender(t.bed.ctx.handle, memoryLogger(), { clock: t.bed.clock });
      await sender.tried;
      expect(await liveSenders(), 'taken by its first try').toBe(1);

      for (let round = 0; round < 3; round++) expect((await worker.runOnce()).claimed, `round ${round}`).toBe(0);
      expect(await statuses()).toEqual(['pending', 'pending']);
      expect(said(LEAVING), 'said once, not every round').toBe(1);
      // The sender's own worker sends them.
      expect((await t.bed.worker(t.smtp.url).runOnce()).sent).toBe(2);
      expect(t.smtp.received.map((e) => e.rcptTo[0]).sort()).toEqual(['carla1@customer.example', 'carla2@customer.example']);

      // The only sender restarts: stopped cleanly (its own lease given up at once), started again.
      await sender.stop();
      expect(await liveSenders()).toBe(0);
      await submit(3);
      expect((await worker.runOnce()).claimed, 'its email waits for the sender').toBe(0);
      const again = announceMailSender(t.bed.ctx.handle, memoryLogger(), { clock: t.bed.clock });
      await again.tried;
      expect((await t.bed.worker(t.smtp.url).runOnce()).sent).toBe(1);
      expect(await statuses()).toEqual(['sent', 'sent', 'sent']);

      // Gone for good: the emails wait the grace period out, then are logged.
      await again.stop();
      await submit(4);
      t.bed.clock.advance(MAIL_SENDER_GRACE_MS - 1);
      expect((await worker.runOnce()).claimed, '1 ms before the grace period ends').toBe(0);
      t.bed.clock.advance(1);
      expect((await worker.runOnce()).claimed).toBe(1);
      expect(await statuses()).toEqual(['logged', 'sent', 'sent', 'sent']);
      await worker.runOnce();
      expect([said(LEAVING), said(RESUMING)]).toEqual([1, 1]);
      expect(t.smtp.received).toHaveLength(3);
    });

    it('a process that never saw a sender logs the emails at once (the quick start)', async () => {
      await submit(1);
      const { worker, said } = mailerless();
      expect((await worker.runOnce()).claimed).toBe(1);
      expect(await statuses()).toEqual(['logged']);
      expect([said(LEAVING), said(RESUMING)]).toEqual([0, 0]);
    });

    it('a sender killed without a clean stop: its lease runs out, the grace period after it too, then the worker logs; the next sender drops the leftover', async () => {
      const db = t.bed.ctx.handle.db;
      // What a killed sender leaves behind: its lease and the senders' marker, renewed for the last time now.
      const lastRenewal = t.bed.clock.now();
      expect(await acquireLease(db, `${MAIL_SENDER_LEASE_PREFIX}killed`, 'killed', lastRenewal, 60_000)).toBe(true);
      await stampLease(db, RECENT_MAIL_SENDER_LEASE, 'killed', lastRenewal + MAIL_SENDER_GRACE_MS);
      // Another job's lease is no sender.
      expect(await acquireLease(db, 'imap:mailbox', 'someone', lastRenewal, 60_000)).toBe(true);
      await submit(1);
      const { worker, said } = mailerless();
      expect((await worker.runOnce()).claimed).toBe(0);
      t.bed.clock.advance(60_000);
      expect(await liveSenders(), 'its lease has run out').toBe(0);
      expect((await worker.runOnce()).claimed, 'within the grace period').toBe(0);
      t.bed.clock.advance(MAIL_SENDER_GRACE_MS - 60_000 - 1);
      expect((await worker.runOnce()).claimed, '1 ms before the grace period ends').toBe(0);
      t.bed.clock.advance(1);
      expect((await worker.runOnce()).claimed).toBe(1);
      expect(await statuses()).toEqual(['logged']);
      expect([said(LEAVING), said(RESUMING)]).toEqual([1, 1]);

      const next = announceMailSender(t.bed.ctx.handle, memoryLogger(), { clock: t.bed.clock });
      await next.tried;
      await until(async () => (await readLease(db, `${MAIL_SENDER_LEASE_PREFIX}killed`)) === undefined, 'the leftover dropped');
      expect(await liveSenders()).toBe(1);
      expect(await readLease(db, RECENT_MAIL_SENDER_LEASE), 'the marker renewed by the next sender').toMatchObject({ expires_at: t.bed.clock.now() + MAIL_SENDER_GRACE_MS });
      expect((await readLease(db, 'imap:mailbox'))?.holder, 'another job’s lease is left alone').toBe('someone');
      await next.stop();
      expect(await readLease(db, RECENT_MAIL_SENDER_LEASE), 'a clean stop leaves the marker').toBeDefined();
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
    await stampLease(db, RECENT_MAIL_SENDER_LEASE, 'h', now + 5);
    expect(await liveLeasesAndExpiry(db, MAIL_SENDER_LEASE_PREFIX, RECENT_MAIL_SENDER_LEASE, now)).toEqual({ live: 2, until: now + 5 });
  });
});
