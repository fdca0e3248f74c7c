/**
 * A HEAD request for a CSV export exports nothing, so it records no export. Fastify answers HEAD
 * for every GET route by running the GET handler and dropping the body: the export's whole query
 * ran for nothing and the audit log said `export.tickets` (README, Export: "Every export is in the
 * audit log"), an export an auditor would chase that sent no row. The exports answer GET only;
 * a HEAD is a 405 on the API (a 404 on the pages), and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { adminClient } from '../admin/support.js';
import { staffWithToken } from './support.js';

for (const dialect of DIALECTS) {
  describe(`HEAD of a CSV export (${dialect})`, () => {
    let t: TestApp;
    let token: string;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      token = (await staffWithToken(t.app, t.ctx, 'api-root', { role: 'admin' })).token;
    });
    afterAll(() => t.close());

    const exports = () => t.ctx.handle.db.selectFrom('audit_log').select('id').where('action', 'like', 'export.%').execute();

    it('is refused on the API and the admin pages, and records no export', async () => {
      const { client } = await adminClient(t);
      // 405 naming GET, as every API address asked with a method it does not have, token or not
      // (it was a 404 "Ticket not found.": HEAD /tickets/{reference} read `export` as a reference).
      for (const headers of [{ authorization: `Bearer ${token}` }, {}]) {
        const api = await t.app.inject({ method: 'HEAD', url: '/api/v1/tickets/export', headers });
        expect(api.statusCode).toBe(405);
        expect(api.headers.allow).toBe('GET');
        expect(api.body).toBe('');
      }
      // The pages answer a method they do not have with their 404 (core/methods.ts).
      for (const url of ['/admin/tickets/export.csv', '/admin/audit/export.csv']) expect((await client.request({ method: 'HEAD', url })).statusCode, url).toBe(404);
      expect(await exports()).toEqual([]);
    });

    it('GET still exports, and records it', async () => {
      const answer = await t.app.inject({ method: 'GET', url: '/api/v1/tickets/export', headers: { authorization: `Bearer ${token}` } });
      expect(answer.statusCode).toBe(200);
      expect(await exports()).toHaveLength(1);
    });
  });
}
