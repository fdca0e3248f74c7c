/**
 * Several workers on one database send every email exactly once (SPEC §5: at most once per outbox
 * row, also with several worker processes), counted by Message-ID at a real SMTP server.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type DbHandle, type Dialect } from '../../src/db/connect.js';
import { inTransaction } from '../../src/db/transaction.js';
import { messageIdFor } from '../../src/mail/message.js';
import { createSmtpMailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { enqueueEmail, listOutbox } from '../../src/repositories/outbox.js';
import { FakeClock } from '../support/clock.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { type DrainResult, drain } from './support/drain.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { MAIL_FROM, memoryLogger } from './support/testbed.js';

const EMAILS = 200;
const run = promisify(execFile);

async function queueEmails(handle: DbHandle, now: number): Promise<void> {
  await inTransaction(handle, async (trx) => {
    for (let i = 1; i <= EMAILS; i++) {
      const content = { subject: `[HD-${i}] Bulk ${i}`, text: `Email ${i}`, html: `<p>Email ${i}</p>` };
      await enqueueEmail(trx, { ticketId: null, kind: 'created', to: `customer${i}@customer.example`, content, now });
    }
  });
}

/** Every row sent once, and the server got each row's Message-ID exactly once, to its recipient. */
async function expectEachSentOnce(handle: DbHandle, smtp: TestSmtpServer, results: DrainResult[]): Promise<void> {
  const rows = await listOutbox(handle.db, { limit: EMAILS + 10 });
  expect(rows).toHaveLength(EMAILS);
  expect(rows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  const received = smtp.received.map((e) => e.messageId).sort();
  const expected = rows.map((r) => messageIdFor(r, MAIL_FROM)).sort();
  expect(received).toHaveLength(EMAILS);
  expect(new Set(received).size).toBe(EMAILS);
  expect(received).toEqual(expected);
  const recipients = new Map(rows.map((r) => [messageIdFor(r, MAIL_FROM), r.to_address]));
  for (const email of smtp.received) expect(email.rcptTo).toEqual([recipients.get(email.messageId!)]);
  expect(results.reduce((sum, r) => sum + r.sent, 0)).toBe(EMAILS);
  // Both workers really competed; otherwise this test proves nothing.
  for (const result of results) expect(result.sent).toBeGreaterThan(0);
}

describe('two workers on one database', () => {
  let database: TestDatabase | undefined;
  let smtp: TestSmtpServer | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await database?.drop();
    await smtp?.close();
    database = undefined;
    smtp = undefined;
  });

  it(`postgres: two worker pools deliver ${EMAILS} queued emails, none twice, none missing`, async () => {
    database = await freshDatabase('postgres');
    smtp = await startSmtpServer({ delayMs: 2 });
    const clock = new FakeClock();
    await queueEmails(database.handle, clock.now());

    const handles: DbHandle[] = [database.handle, connect(database.url)];
    cleanups.push(() => handles[1]!.destroy());
    const workers = handles.map((handle) => {
      const mailer = createSmtpMailer(smtp!.url);
      cleanups.push(() => mailer.close());
      return new OutboxWorker({ handle, mailer, clock, from: MAIL_FROM, logger: memoryLogger(), batchSize: 10 });
    });
    const results = await Promise.all(workers.map((w) => drain(w)));
    await expectEachSentOnce(database.handle, smtp, results);
  });

  for (const dialect of ['sqlite', 'postgres'] as Dialect[]) {
    it(`${dialect}: two worker processes deliver ${EMAILS} queued emails, none twice, none missing`, async () => {
      database = await freshDatabase(dialect);
      smtp = await startSmtpServer({ delayMs: 2 });
      const now = new FakeClock().now();
      await queueEmails(database.handle, now);

      const script = fileURLToPath(new URL('./support/drain-process.ts', import.meta.url));
      const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
      const outputs = await Promise.all(
        [1, 2].map(() => run(tsx, [script, database!.url, smtp!.url, String(now)], { timeout: 60_000 })),
      );
      const results = outputs.map(({ stdout }) => JSON.parse(stdout.trim().split('\n').at(-1)!) as DrainResult & { problems: unknown[] });
      for (const result of results) expect(result.problems).toEqual([]);
      await expectEachSentOnce(database.handle, smtp, results);
    });
  }
});
