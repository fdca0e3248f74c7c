/**
 * The delivery thread (src/jobs/deliveryThread.ts): the server's emails and webhooks are sent from
 * a worker thread with its own database handle. Against a real SMTP server and a real HTTP
 * receiver, on SQLite and PostgreSQL: what a change enqueues arrives, nudged at once; stop waits
 * for the sends in flight and sends nothing after; a thread that dies is started again and sends
 * what waited meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryThread } from '../../src/jobs/deliveryThread.js';
import type { WorkerLogger } from '../../src/mail/worker.js';
import { listOutbox } from '../../src/repositories/outbox.js';
import type { ServiceContext } from '../../src/services/context.js';
import { createEndpoint } from '../../src/services/webhookEndpoints.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { startReceiver, type Receiver, verified } from '../support/webhookReceiver.js';
import { startSmtpServer, type TestSmtpServer } from '../mail/support/smtp.js';

const form = (i: number) => ({ name: `Customer ${i}`, email: `c${i}@example.com`, title: `Thread ${i}`, description: 'Help', priority: 'medium' });

// 90 s: a restarted thread loads its modules again (tsx under vitest); a full CI run on two shared
// cores (load 12) once took it past 15 s, and at a load of 30 a start took up to a minute.
async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const dialect of DIALECTS) {
  // A hang guard past the config's 120 s: a test here starts up to three threads, each loading the
  // senders' modules afresh (see until), which took a test past 120 s under a load of 30.
  describe(`the delivery thread (${dialect})`, { timeout: 300_000 }, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let smtp: TestSmtpServer;
    let receiver: Receiver;
    let secret: string;
    const logged: { level: string; message: string }[] = [];
    const logger: WorkerLogger & { debug: WorkerLogger['info'] } = {
      info: (_f, message) => logged.push({ level: 'info', message }),
      debug: () => {},
      warn: (_f, message) => logged.push({ level: 'warn', message }),
      error: (_f, message) => logged.push({ level: 'error', message }),
    };
    const newThread = () =>
      new DeliveryThread({
        databaseUrl: database.url,
        config: { smtpUrl: smtp.url, mailFrom: 'Helpdesk <support@helpdesk.example>', mailReplyTo: 'support@helpdesk.example', publicUrl: 'http://helpdesk.test', webhooksAllowPrivate: true, webhooksTimeoutSeconds: 5, webhooksHistoryDays: 30 },
        logLevel: 'warn',
        pretty: false,
        logger,
        restartMs: 50,
        // Nobody polls during a test: whatever is sent was nudged (or found when the thread started).
        pollMs: 600_000,
      });
    const startThread = async () => {
      const thread = newThread();
      await thread.start();
      return thread;
    };

    /** Every email recorded sent and every webhook recorded delivered. */
    const allRecorded = async () => {
      const emails = await listOutbox(ctx.handle.db);
      const hooks = await ctx.handle.db.selectFrom('webhook_deliveries').select('status').execute();
      return emails.every((r) => r.status === 'sent') && hooks.every((r) => r.status === 'delivered') ? true : undefined;
    };

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = { handle: database.handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
      [smtp, receiver] = await Promise.all([startSmtpServer(), startReceiver()]);
      const endpoint = await createEndpoint(ctx, null, { url: receiver.url('/hooks'), events: ['ticket.created'] }, true);
      secret = endpoint.secret;
    });
    afterAll(async () => {
      await Promise.all([smtp.close(), receiver.close()]);
      await database.drop();
    });

    it('sends the email and the webhook of a new ticket from its thread when nudged (its next poll is minutes away)', async () => {
      const thread = await startThread();
      try {
        // Let the first round (at start) pass, so only the nudge explains the send.
        await new Promise((r) => setTimeout(r, 200));
        const ticket = await intakeTicket(ctx, form(1));
        await new Promise((r) => setTimeout(r, 300));
        expect(smtp.received).toHaveLength(0);
        thread.nudge();
        const email = await until('the email', () => smtp.received.find((e) => e.parsed.subject?.includes(`[HD-${ticket.id}]`)));
        expect(email.rcptTo).toEqual(['c1@example.com']);
        const [hook] = await receiver.waitFor('/hooks', 1);
        expect(verified(hook!, secret)).toMatchObject({ type: 'ticket.created', data: { title: 'Thread 1' } });
        // The row is marked after the mail server's answer: wait for the mark, not just the mail.
        await until('the row recorded sent', async () => ((await listOutbox(ctx.handle.db)).every((r) => r.status === 'sent') ? true : undefined));
        expect((await listOutbox(ctx.handle.db)).map((r) => r.status)).toEqual(['sent']);
      } finally {
        await thread.stop();
      }
    });

    it('after stop nothing is sent; a thread that dies is started again and sends what waited', async () => {
      const thread = await startThread();
      await thread.stop();
      const waiting = await intakeTicket(ctx, form(2));
      await new Promise((r) => setTimeout(r, 300));
      expect(smtp.received.filter((e) => e.parsed.subject?.includes(`[HD-${waiting.id}]`))).toHaveLength(0);

      const again = await startThread();
      try {
        await until('the waiting email', () => smtp.received.find((e) => e.parsed.subject?.includes(`[HD-${waiting.id}]`)));
        // Its rows recorded too: a thread ended between the mail server's answer and the mark leaves
        // the row claimed until its lease runs out (then it is sent again: at least once).
        await until('the waiting email and webhook recorded', allRecorded);
        // The thread ends without being asked (as a crash would): it is logged and started again.
        await again['worker']!.terminate();
        const later = await intakeTicket(ctx, form(3));
        await until('the restart', () => (again['worker'] ? true : undefined));
        again.nudge();
        await until('the email after the restart', () => smtp.received.find((e) => e.parsed.subject?.includes(`[HD-${later.id}]`)));
        expect(logged.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(['delivery thread stopped unexpectedly; starting it again']);
        await until('every row recorded', allRecorded);
        expect(smtp.received).toHaveLength(3);
        expect(await receiver.waitFor('/hooks', 3)).toHaveLength(3);
      } finally {
        await again.stop();
      }
    });

    it('the server goes on while the thread starts: a ticket taken in meanwhile is sent; a stop before it is ready ends it', async () => {
      const sent = smtp.received.length;
      const thread = newThread();
      const ready = thread.start();
      const ticket = await intakeTicket(ctx, form(4));
      thread.nudge(); // before the thread listens: kept in its port, no error
      await ready;
      await until('the email of the ticket taken in while it started', () => smtp.received.find((e) => e.parsed.subject?.includes(`[HD-${ticket.id}]`)));
      await until('its rows recorded', allRecorded);
      await thread.stop();
      expect(smtp.received).toHaveLength(sent + 1);

      // Asked to stop before it is ready, it starts, stops and ends; nothing is left running.
      const early = newThread();
      const started = early.start();
      await early.stop();
      await started;
      expect(early['worker']).toBeUndefined();
    });
  });
}
