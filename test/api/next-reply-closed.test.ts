/**
 * `next_reply_due_at` is null when no next-reply clock runs (README, SLA targets in the API), and a
 * closed ticket runs none: a close stops the clock the customer's last message started (and counts
 * it), so the ticket, its webhook and its listing no longer name a due instant for it. Through the
 * JSON API on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postCustomerMessageOn } from '../../src/services/conversation.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { adminAndAvailableAgent, type ApiClient } from './support.js';

for (const dialect of DIALECTS) {
  describe(`a closed ticket's next-reply clock (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let alice: ApiClient;
    const clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      ({ admin, alice } = await adminAndAvailableAgent(t.app, t.ctx));
      expect((await admin.patch('/api/v1/settings', { sla: { medium: { resolution: '4h', next_reply: '1h' } } })).status).toBe(200);
    });
    afterAll(() => t.close());

    it('runs while the ticket is open and is gone once it is closed', async () => {
      const created = await admin.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Slow', description: 'Help', priority: 'medium' });
      expect(created.status).toBe(201);
      expect((await alice.post('/api/v1/tickets/HD-1/messages', { kind: 'reply', body: 'Looking into it.' })).status).toBe(201);
      clock.advance(60_000);
      await postCustomerMessageOn(t.ctx, 1, { body: 'Still slow.', channel: 'web' });
      const open = await alice.get('/api/v1/tickets/HD-1');
      expect(open.body.next_reply_due_at).toBe(new Date(clock.now() + 3_600_000).toISOString());

      clock.advance(60_000);
      expect((await alice.post('/api/v1/tickets/HD-1/close', {})).status).toBe(200);
      const closed = await alice.get('/api/v1/tickets/HD-1');
      expect(closed.body).toMatchObject({ status: 'closed', next_reply_due_at: null });
      const listed = await admin.get('/api/v1/tickets?status=closed');
      expect(listed.body.items.map((x: { reference: string; next_reply_due_at: string | null }) => [x.reference, x.next_reply_due_at])).toEqual([['HD-1', null]]);
    });
  });
}
