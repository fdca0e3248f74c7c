/**
 * An endpoint's events changed while some wait in its lane (§13): what it no longer takes is not
 * posted (the lane passes it), what it still takes is, once, in order; on both engines, through
 * the API, the real worker and a real receiver.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { type Receiver, startReceiver, verified } from '../support/webhookReceiver.js';
import { staffWithToken, type ApiClient } from '../api/support.js';
import { newTicket } from '../admin/support.js';
import { closeTicket } from '../../src/services/tickets.js';
import { WebhookWorker } from '../../src/webhooks/worker.js';

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

for (const dialect of DIALECTS) {
  describe(`an endpoint's events changed while some wait (${dialect})`, () => {
    let t: TestApp;
    let receiver: Receiver;
    let admin: { id: number; api: ApiClient };
    const clock = new FakeClock(Date.now());

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock, config: { webhooksAllowPrivate: true } });
      receiver = await startReceiver();
      admin = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
    });
    afterAll(async () => {
      await receiver.close();
      await t.close();
    });

    it('posts none of the waiting events the endpoint no longer takes, and those it still takes', async () => {
      const url = receiver.url('/narrowed');
      const created = await admin.api.post('/api/v1/webhooks', { url, events: ['*'] });
      expect(created.status).toBe(201);
      // No worker runs while the tickets come and go (as behind a slow or failing receiver): their events wait in its lane.
      const first = await newTicket(t.ctx, { title: 'Narrowed 1' });
      await newTicket(t.ctx, { title: 'Narrowed 2' });
      await closeTicket(t.ctx, { id: admin.id, role: 'admin' }, first);
      expect((await admin.api.get(`/api/v1/webhooks/${created.body.id}/deliveries`)).body.waiting).toBeGreaterThanOrEqual(3);
      // The admin wants closings only from now on.
      const saved = await admin.api.put(`/api/v1/webhooks/${created.body.id}`, { url, events: ['ticket.closed'] });
      expect(saved.status).toBe(200);
      // The page and the API count only what will be sent.
      expect((await admin.api.get(`/api/v1/webhooks/${created.body.id}/deliveries`)).body.waiting).toBe(1);
      const w = new WebhookWorker({ handle: t.ctx.handle, clock, logger: quiet, publicUrl: 'http://helpdesk.test', allowPrivate: true, timeoutMs: 5_000 });
      for (let i = 0; i < 10; i++) if ((await w.runOnce()).claimed === 0) break;
      const types = receiver.on('/narrowed').map((r) => verified(r, created.body.secret).type);
      expect(types).toEqual(['ticket.closed']);
      expect((await admin.api.get(`/api/v1/webhooks/${created.body.id}/deliveries`)).body).toMatchObject({ waiting: 0, items: [{ event: 'ticket.closed', status: 'delivered' }] });
    });
  });
}
