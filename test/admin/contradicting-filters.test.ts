/**
 * A `status` and a `state` filter that no ticket can match both (status open and state closed,
 * status closed and state pending or open) are refused with a 400 naming `state`, on the admin
 * list, its CSV export, GET /api/v1/tickets and its export, instead of an empty list that reads as
 * "no such tickets". The combinations that overlap (status open with state pending or open, closed
 * with closed) still filter. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { type Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, newTicket, rowIds, visibleText } from './support.js';

const MESSAGE = 'Status open and state closed never match: choose one.';

for (const dialect of DIALECTS) {
  describe(`contradicting status and state filters (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let api: ApiClient;
    let ticket: number;
    const exports = async () => (await t.ctx.handle.db.selectFrom('audit_log').select('id').where('action', '=', 'export.tickets').execute()).length;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const root = await adminClient(t);
      admin = root.client;
      api = new ApiClient(t.app, (await createApiToken(t.ctx, root.id, 'lists')).token);
      ticket = await newTicket(t.ctx);
    });
    afterAll(() => t.close());

    it('the list says so by the state field (400) instead of showing an empty list', async () => {
      const response = await admin.get('/admin/tickets/?status=open&state=closed');
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatch(/id="state-error"[^>]*>[^<]*Status open and state closed never match: choose one\./);
      expect(rowIds(response.body)).toEqual([]);
    });

    it('the export refuses it; nothing exported or recorded', async () => {
      const before = await exports();
      const response = await admin.get('/admin/tickets/export.csv?status=closed&state=pending');
      expect(response.statusCode).toBe(400);
      expect(visibleText(response)).toContain('Not exported: state: status closed and state pending never match: choose one.');
      expect(await exports()).toBe(before);
    });

    it('the API list and export answer 400 naming state', async () => {
      for (const url of ['/api/v1/tickets?status=open&state=closed', '/api/v1/tickets/export?status=OPEN&state=Closed']) {
        const response = await api.get(url);
        expect([url, response.status, response.body.error?.fields]).toEqual([url, 400, { state: MESSAGE }]);
      }
      expect(await exports()).toBe(0);
    });

    it('combinations that overlap still filter', async () => {
      const list = await admin.get('/admin/tickets/?status=open&state=pending');
      expect([list.statusCode, rowIds(list.body)]).toEqual([200, [ticket]]);
      expect((await admin.get('/admin/tickets/?status=closed&state=closed')).statusCode).toBe(200);
      const response = await api.get('/api/v1/tickets?status=open&state=pending');
      expect([response.status, response.body.items.length]).toEqual([200, 1]);
      expect((await admin.get('/admin/tickets/export.csv?status=open&state=open')).statusCode).toBe(200);
    });
  });
}
