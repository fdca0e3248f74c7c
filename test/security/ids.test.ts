/**
 * Ids from URLs and forms are only ever numbers both engines can compare with an id column: a
 * bigger one names nothing (404, or 400 in a filter) instead of making PostgreSQL fail with a 500
 * ("value out of range for type integer"), which the API fuzzing found at HD-999999999999999.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ID, parseId } from '../../src/core/tickets.js';
import { ApiClient, staffWithToken } from '../api/support.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';

describe('parseId', () => {
  it.each<[string, number | null]>([
    ['1', 1],
    ['42', 42],
    ['007', 7],
    [String(MAX_ID), MAX_ID],
    [String(MAX_ID + 1), null],
    ['99999999999', null],
    ['999999999999999', null],
    ['0', null],
    ['-1', null],
    ['1.0', null],
    ['1e3', null],
    [' 1', null],
    ['', null],
  ])('parseId(%j) → %j', (raw, expected) => {
    expect(parseId(raw)).toBe(expected);
  });
});

const HUGE = ['2147483648', '99999999999', '999999999999999'];

for (const dialect of DIALECTS) {
  describe(`ids too big for an id column (${dialect})`, () => {
    let t: TestApp;
    let agent: Client;
    let admin: Client;
    let api: ApiClient;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      await addStaff(t.ctx, 'alice');
      const root = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
      api = root.api;
      agent = new Client(t.app);
      admin = new Client(t.app);
      await agent.login('alice');
      await admin.login('root');
    });
    afterAll(() => t.close());

    it('are 404 in page paths and API references, and 400 in filters and cursors', async () => {
      const agentCsrf = csrfFrom((await agent.get('/tickets/create/')).body);
      const adminCsrf = csrfFrom((await admin.get('/tickets/create/')).body);
      for (const id of HUGE) {
        expect((await agent.post(`/agents/tickets/${id}/close/`, { _csrf: agentCsrf })).statusCode, id).toBe(404);
        for (const path of [`/admin/tickets/${id}/`, `/admin/users/${id}/`, `/admin/emails/${id}/`]) expect((await admin.get(path)).statusCode, path).toBe(404);
        expect((await admin.post(`/admin/tickets/${id}/close/`, { _csrf: adminCsrf })).statusCode, id).toBe(404);
        expect((await admin.post(`/admin/users/${id}/tokens/${id}/revoke/`, { _csrf: adminCsrf })).statusCode, id).toBe(404);
        for (const query of [`ticket=HD-${id}`, `ticket=${id}`, `after=${id}`, `before=${id}`]) {
          expect((await admin.get(`/admin/events/?${query}`)).statusCode, query).toBe(400);
        }
        expect((await api.get(`/api/v1/tickets/HD-${id}`)).status, id).toBe(404);
        expect((await api.post(`/api/v1/tickets/HD-${id}/close`)).status, id).toBe(404);
        const cursor = Buffer.from(id).toString('base64url');
        expect((await api.get(`/api/v1/tickets?cursor=${cursor}`)).status, id).toBe(400);
        expect((await api.get(`/api/v1/agents?cursor=${cursor}`)).status, id).toBe(400);
      }
      expect((await new ApiClient(t.app).get('/api/v1/tickets/HD-1')).status).toBe(401);
    });
  });
}
