/**
 * A desk whose account notices (SPEC §15, `account_changed`) are delivered to a real SMTP server:
 * the test app on a fake clock with an admin `root`, the outbox's notices, and a delivery of the
 * outbox that returns the mails it took.
 */
import type { Dialect } from '../../src/db/connect.js';
import { createSmtpMailer } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/mail/worker.js';
import { startSmtpServer, type ReceivedEmail, type TestSmtpServer } from '../mail/support/smtp.js';
import { memoryLogger } from '../mail/support/testbed.js';
import { addStaff, startTestApp, type TestApp } from './app.js';
import { FakeClock } from './clock.js';

export interface AccountMailDesk {
  t: TestApp;
  clock: FakeClock;
  /** The account notices in the outbox, delivered or not. */
  notices(): Promise<{ to_address: string; kind: string }[]>;
  /** Delivers the outbox to the SMTP server; returns the mails it took, from this delivery on. */
  deliver(): Promise<ReceivedEmail[]>;
  /** Between tests: delivers what is waiting, empties the outbox, and adds a fresh agent `bea<n>` (password123, bea<n>@team.test). */
  freshAccount(): Promise<{ id: number; name: string }>;
  close(): Promise<void>;
}

export async function accountMailDesk(dialect: Dialect): Promise<AccountMailDesk> {
  const smtp: TestSmtpServer = await startSmtpServer();
  const clock = new FakeClock();
  const t = await startTestApp(dialect, { clock });
  await addStaff(t.ctx, 'root', { role: 'admin' });
  const db = () => t.ctx.handle.db;
  let accounts = 0;
  const deliver = async () => {
    const from = smtp.received.length;
    const worker = new OutboxWorker({ handle: t.ctx.handle, mailer: createSmtpMailer(smtp.url), clock: t.ctx.clock, from: 'helpdesk@team.test', logger: memoryLogger() });
    while ((await worker.runOnce()).claimed > 0);
    return smtp.received.slice(from);
  };
  return {
    t,
    clock,
    notices: () => db().selectFrom('outbox').select(['to_address', 'kind']).where('kind', '=', 'account_changed').execute(),
    deliver,
    freshAccount: async () => {
      await deliver();
      await db().deleteFrom('outbox').execute();
      const name = `bea${++accounts}`;
      return { id: await addStaff(t.ctx, name), name };
    },
    close: async () => {
      await t.close();
      await smtp.close();
    },
  };
}
