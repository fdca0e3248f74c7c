/**
 * No API answer is kept by a cache: they hold customers' names, addresses and messages, the
 * customer's secret status token (POST /api/v1/tickets) and a webhook's signing secret, and are
 * live data besides. The admin pages, the status page and files have said `no-store` all along;
 * the JSON API said nothing, which leaves storing to a browser's or proxy's heuristics (a public
 * creation's answer carries no Authorization header to stop a shared cache).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { type ApiClient, staffWithToken, validTicket } from './support.js';

for (const dialect of DIALECTS) {
  describe(`API answers are not cached (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let agent: ApiClient;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      agent = (await staffWithToken(t.app, t.ctx, 'ana')).api;
    });
    afterAll(() => t.close());

    it('creations, lists, tickets, secrets and errors all say Cache-Control: no-store', async () => {
      const anonymous = new (admin.constructor as typeof ApiClient)(t.app);
      const created = await anonymous.post('/api/v1/tickets', validTicket);
      expect(created.status).toBe(201);
      const hook = await admin.post('/api/v1/webhooks', { url: 'https://hooks.example.com/in', events: ['ticket.created'] });
      expect(hook.status).toBe(201);
      const answers = {
        'POST /tickets (with the status token)': created,
        'GET /tickets': await admin.get('/api/v1/tickets'),
        'GET /tickets/{reference}': await admin.get(`/api/v1/tickets/${created.body.reference}`),
        'GET /tickets/{reference}/messages': await admin.get(`/api/v1/tickets/${created.body.reference}/messages`),
        'PUT /agents/me/presence': await agent.put('/api/v1/agents/me/presence', { status: 'available' }),
        'GET /agents': await admin.get('/api/v1/agents'),
        'GET /stats': await admin.get('/api/v1/stats'),
        'POST /webhooks (with its secret)': hook,
        'POST /webhooks/{id}/secret': await admin.post(`/api/v1/webhooks/${hook.body.id}/secret`),
        'GET /settings': await admin.get('/api/v1/settings'),
        '401': await anonymous.get('/api/v1/tickets'),
        '404': await admin.get('/api/v1/tickets/HD-999999'),
        '400': await admin.get('/api/v1/tickets?state=sleeping'),
      };
      const wrong = Object.entries(answers)
        .filter(([, answer]) => answer.headers['cache-control'] !== 'no-store')
        .map(([what, answer]) => `${what} (${answer.status}): ${String(answer.headers['cache-control'])}`);
      expect(wrong).toEqual([]);
    });

    it('the document and the docs stay cacheable as they were', async () => {
      const document = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
      expect(document.headers['cache-control']).toBe('no-cache');
    });
  });
}
