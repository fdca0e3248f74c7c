/**
 * What a receiver answers, kept in the delivery log (§13): whatever bytes its body holds, the
 * failed try is recorded (retried later, its error shown), on both engines.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { staffWithToken, type ApiClient } from '../api/support.js';
import { newTicket } from '../admin/support.js';
import { WebhookWorker } from '../../src/webhooks/worker.js';
import { DISABLE_AFTER_MS } from '../../src/core/webhooks.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

for (const dialect of DIALECTS) {
  describe(`webhook answers (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let server: Server;
    let base = '';
    let body: Buffer = Buffer.from('');
    const clock = new FakeClock(Date.now());

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock, config: { webhooksAllowPrivate: true } });
      admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(500, { 'content-type': 'application/octet-stream' }).end(body));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.close();
    });

    it('records a failed try whose answer carries NUL bytes (a binary or gzipped error page), its error kept without them', async () => {
      const created = await admin.post('/api/v1/webhooks', { url: `${base}/binary`, events: ['ticket.created'] });
      expect(created.status).toBe(201);
      body = Buffer.from('oops\u0000\u0000gzip\u0000', 'utf8');
      await newTicket(t.ctx, { title: 'Binary answer' });
      const w = new WebhookWorker({ handle: t.ctx.handle, clock, logger: quiet, publicUrl: 'http://helpdesk.test', allowPrivate: true, timeoutMs: 5_000 });
      expect(await w.runOnce()).toMatchObject({ claimed: 1, retrying: 1 });
      const log = await admin.get(`/api/v1/webhooks/${created.body.id}/deliveries`);
      expect(log.body.items).toHaveLength(1);
      expect(log.body.items[0]).toMatchObject({ status: 'pending', attempts: 1, response_status: 500 });
      expect(log.body.items[0].last_error).toMatch(/^HTTP 500: oops/);
      expect(log.body.items[0].last_error).not.toContain('\u0000');
      // The endpoint's run of failures began with it.
      expect((await admin.get(`/api/v1/webhooks/${created.body.id}`)).body.failing_since).not.toBeNull();
    });

    it('disables an endpoint failing for a day whose last answer carries NUL bytes, and emails the admins that error as the log keeps it', async () => {
      const db = t.ctx.handle.db;
      // Only this endpoint takes the new ticket.
      await db.updateTable('webhook_endpoints').set({ active: 0 }).execute();
      const created = await admin.post('/api/v1/webhooks', { url: `${base}/binary-day`, events: ['ticket.created'] });
      expect(created.status).toBe(201);
      await db.updateTable('webhook_endpoints').set({ failing_since: clock.now() - DISABLE_AFTER_MS }).where('id', '=', created.body.id).execute();
      body = Buffer.from('oops\u0000\u0000gzip\u0000', 'utf8');
      await newTicket(t.ctx, { title: 'Binary answer after a day' });
      const w = new WebhookWorker({ handle: t.ctx.handle, clock, logger: quiet, publicUrl: 'http://helpdesk.test', allowPrivate: true, timeoutMs: 5_000 });
      expect(await w.runOnce()).toMatchObject({ claimed: 1, retrying: 1 });
      expect((await admin.get(`/api/v1/webhooks/${created.body.id}`)).body).toMatchObject({ active: false, disabled_at: expect.any(String) });
      const emails = await db.selectFrom('outbox').select(['text_body', 'html_body']).where('kind', '=', 'webhook_disabled').execute();
      expect(emails).toHaveLength(1);
      expect(emails[0]!.text_body).toContain('The last failure: HTTP 500: oops\ufffd\ufffdgzip\ufffd');
      expect(`${emails[0]!.text_body}${emails[0]!.html_body}`).not.toContain('\u0000');
    });
  });
}
