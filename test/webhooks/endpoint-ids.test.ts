/**
 * An endpoint's id is never given again (on SQLite a new row takes the largest id plus one, so the
 * newest endpoint deleted left its id to the next one created): an edit form left open on the
 * deleted endpoint saved over the new one, the audit log's `webhook:<id>` entries of the two ran
 * together, and a delivery of the deleted endpoint settled after the deletion wrote its lane's
 * place onto the new endpoint. PostgreSQL's sequences never give an id twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { staffWithToken, type ApiClient } from '../api/support.js';

for (const dialect of DIALECTS) {
  describe(`webhook endpoint ids (${dialect})`, () => {
    let t: TestApp;
    let api: ApiClient;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      api = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
    });
    afterAll(() => t.close());

    const endpoint = (path: string) => ({ url: `https://hooks.example.com/${path}`, events: ['ticket.created'] });

    it('a new endpoint never takes the id of a deleted one, so a stale edit finds nothing', async () => {
      const first = (await api.post('/api/v1/webhooks', endpoint('first'))).body.id as number;
      const newest = (await api.post('/api/v1/webhooks', endpoint('newest'))).body.id as number;
      expect((await api.delete(`/api/v1/webhooks/${newest}`)).status).toBe(204);
      const next = (await api.post('/api/v1/webhooks', endpoint('next'))).body.id as number;
      expect([first, newest, next].sort((a, b) => a - b)).toEqual([first, newest, next]);
      expect(next).not.toBe(newest);
      // An edit of the deleted endpoint (a form left open) changes nothing.
      expect((await api.put(`/api/v1/webhooks/${newest}`, endpoint('stale'))).status).toBe(404);
      expect((await api.get(`/api/v1/webhooks/${next}`)).body.url).toBe('https://hooks.example.com/next');
    });
  });
}
