/**
 * The admin's email retry as a use case (src/services/outbox.ts) and on the admin page, on both
 * engines: a failed email goes back to the queue; an email only logged (taken by a process without
 * SMTP_URL) goes back once this process has a mail server, and is refused, unchanged, before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import type { ServiceContext } from '../../src/services/context.js';
import { retryUndeliveredEmail } from '../../src/services/outbox.js';
import { FakeClock } from '../support/clock.js';
import { type Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { adminClient, visibleText } from './support.js';

/** A new ticket's email, put in `status` as the worker would have left it. */
async function emailIn(ctx: ServiceContext, status: 'failed' | 'logged'): Promise<number> {
  const ticket = await intakeTicket(ctx, { name: 'C', email: 'c@example.com', title: 'T', description: 'D', priority: 'low' });
  const db = ctx.handle.db;
  const { id } = await db.selectFrom('outbox').select('id').where('ticket_id', '=', ticket.id).executeTakeFirstOrThrow();
  const left = status === 'failed' ? { status, attempts: 8, last_error: '550 no such user' } : { status, attempts: 1, sent_at: ctx.clock.now(), last_error: null };
  await db.updateTable('outbox').set(left).where('id', '=', id).execute();
  return id;
}

for (const dialect of DIALECTS) {
  describe(`retrying an undelivered email (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    const clock = new FakeClock();
    const email = (id: number) => database.handle.db.selectFrom('outbox').select(['status', 'attempts', 'next_attempt_at', 'sent_at', 'last_error']).where('id', '=', id).executeTakeFirstOrThrow();
    const audits = (id: number) => database.handle.db.selectFrom('audit_log').select(['action', 'before_json', 'after_json']).where('subject', '=', `email:${id}`).execute();

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = { handle: database.handle, clock, publicUrl: 'http://helpdesk.test' };
    });
    afterAll(() => database.drop());

    it('puts a failed email back in the queue, due now, with fresh tries and its last error kept', async () => {
      const id = await emailIn(ctx, 'failed');
      clock.advance(5000);
      expect(await retryUndeliveredEmail(ctx, id, { canSend: false })).toEqual({ retried: true, status: 'pending' });
      expect(await email(id)).toEqual({ status: 'pending', attempts: 0, next_attempt_at: clock.now(), sent_at: null, last_error: '550 no such user' });
      // Not undelivered (any more): nothing to retry, nothing changes, and the caller learns the status.
      expect(await retryUndeliveredEmail(ctx, id, { canSend: true })).toEqual({ retried: false, status: 'pending', refused: 'not_undelivered' });
      expect((await email(id)).attempts).toBe(0);
    });

    it('refuses an email only logged while this process has no mail server, changing nothing', async () => {
      const id = await emailIn(ctx, 'logged');
      const before = await email(id);
      expect(await retryUndeliveredEmail(ctx, id, { canSend: false })).toEqual({ retried: false, status: 'logged', refused: 'needs_mail_server' });
      expect(await email(id)).toEqual(before);
      expect(await audits(id)).toEqual([]);
    });

    it('puts an email only logged back in the queue once there is a mail server, with its audit entry', async () => {
      const id = await emailIn(ctx, 'logged');
      clock.advance(5000);
      expect(await retryUndeliveredEmail(ctx, id, { canSend: true, by: null })).toEqual({ retried: true, status: 'pending' });
      expect(await email(id)).toEqual({ status: 'pending', attempts: 0, next_attempt_at: clock.now(), sent_at: null, last_error: null });
      expect(await audits(id)).toEqual([{ action: 'email.retry', before_json: JSON.stringify({ status: 'logged' }), after_json: JSON.stringify({ status: 'pending' }) }]);
    });

    it('refuses an unknown email with not_found', async () => {
      const refused = await retryUndeliveredEmail(ctx, 999_999, { canSend: true }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DomainError);
      expect((refused as DomainError).code).toBe('not_found');
    });
  });

  describe(`an email only logged, on the admin page (${dialect})`, () => {
    const apps: TestApp[] = [];
    afterAll(() => Promise.all(apps.map((t) => t.close())));

    async function adminOn(smtpUrl: string | undefined): Promise<{ t: TestApp; admin: Client; id: number }> {
      const t = await startTestApp(dialect, { config: smtpUrl === undefined ? {} : { smtpUrl } });
      apps.push(t);
      const { client } = await adminClient(t);
      return { t, admin: client, id: await emailIn(t.ctx, 'logged') };
    }
    const statusOf = async (t: TestApp, id: number) => (await t.ctx.handle.db.selectFrom('outbox').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

    it('offers to send it when this server has a mail server, and queues it', async () => {
      const { t, admin, id } = await adminOn('smtp://127.0.0.1:2525');
      const detail = await admin.get(`/admin/emails/${id}/`);
      expect(detail.body).toContain(`action="/admin/emails/${id}/retry/"`);
      expect(visibleText(detail)).toContain('Send it now');
      const sent = await admin.submit(`/admin/emails/${id}/`, {}, `/admin/emails/${id}/retry/`);
      expect(sent.statusCode).toBe(303);
      expect(await statusOf(t, id)).toBe('pending');
      expect(visibleText(await admin.get(`/admin/emails/${id}/`))).toContain(`Email #${id} is queued again.`);
    });

    it('says SMTP_URL is missing when it has none, and a retry posted anyway changes nothing', async () => {
      const { t, admin, id } = await adminOn(undefined);
      const detail = await admin.get(`/admin/emails/${id}/`);
      expect(detail.body).not.toContain('/retry/"');
      expect(visibleText(detail)).toContain('Only logged, never sent: this server has no mail server (SMTP_URL is unset).');
      const refused = await admin.submit(`/admin/emails/${id}/`, {}, `/admin/emails/${id}/retry/`);
      expect(refused.statusCode).toBe(303);
      expect(await statusOf(t, id)).toBe('logged');
      expect(visibleText(await admin.get(`/admin/emails/${id}/`))).toContain(`Email #${id} was only logged, and this server has no mail server either (SMTP_URL is unset): set SMTP_URL, then send it.`);
    });
  });
}
