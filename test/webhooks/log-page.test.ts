/**
 * An endpoint's delivery log on its page (§13: "a delivery log per endpoint with retry"): a busy
 * endpoint's log is longer than a page, and every delivery in it can be reached and retried.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { adminClient } from '../admin/support.js';
import { settledAsDelivered } from '../support/webhookEvents.js';
import { insertEndpoint, insertWebhookEvents } from '../../src/repositories/webhooks.js';

for (const dialect of DIALECTS) {
  describe(`an endpoint's delivery log on its page (${dialect})`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(dialect);
    });
    afterAll(() => t.close());

    it('pages through a log longer than a page to its oldest delivery, which can be retried there; a bad page cursor is a 400 naming it', async () => {
      const { client } = await adminClient(t);
      const db = t.ctx.handle.db;
      const now = t.ctx.clock.now();
      const { id } = await insertEndpoint(db, { url: 'https://hooks.example.com/busy', events: '*', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', active: true, now });
      await insertWebhookEvents(
        db,
        Array.from({ length: 120 }, () => ({ event: 'ticket.created', messageId: `msg_${randomUUID()}`, ticketId: null, payload: '{}', endpointIds: [id], now })),
      );
      const ids = await settledAsDelivered(t.ctx.handle, id, now);
      expect(ids).toHaveLength(120);
      // The oldest one failed for good: its retry must be within reach.
      const oldest = ids[0]!;
      await db.updateTable('webhook_deliveries').set({ status: 'failed', attempts: 8, response_status: 500, last_error: 'HTTP 500' }).where('id', '=', oldest).execute();

      const seen = new Set<number>();
      let path: string | null = `/adminapp/webhooks/${id}/`;
      let pages = 0;
      let csrf = '';
      while (path !== null && pages < 10) {
        const page = await client.get(path);
        expect(page.statusCode).toBe(200);
        csrf = csrfFrom(page.body);
        for (const m of page.body.matchAll(/data-delivery="(\d+)"/g)) seen.add(Number(m[1]));
        const next = /<a href="([^"]+)" rel="next">/.exec(page.body);
        path = next ? next[1]!.replaceAll('&amp;', '&') : null;
        pages += 1;
      }
      expect(pages).toBe(3);
      expect([...seen].sort((a, b) => a - b)).toEqual(ids);
      const retried = await client.post(`/adminapp/webhooks/${id}/deliveries/${oldest}/retry/`, { _csrf: csrf });
      expect(retried.statusCode).toBe(303);
      expect((await db.selectFrom('webhook_deliveries').select('status').where('id', '=', oldest).executeTakeFirstOrThrow()).status).toBe('pending');

      for (const bad of ['abc', '0', '99999999999']) {
        const refused = await client.get(`/adminapp/webhooks/${id}/?before=${bad}`);
        expect(refused.statusCode, bad).toBe(400);
        expect(refused.body).toContain('before');
      }
    });
  });
}
