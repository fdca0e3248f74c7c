/**
 * HEAD on the API (README, JSON API): every GET operation of the document also answers HEAD with
 * the status and headers its GET gives and no body, as the document's description says (HEAD
 * operations are not listed one by one). The CSV export is the exception (export-head.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { staffWithToken, validTicket } from './support.js';

for (const dialect of DIALECTS) {
  describe(`HEAD on the API's GET operations (${dialect})`, () => {
    let t: TestApp;
    let token: string;
    let document: any;
    let reference: string;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      token = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).token;
      reference = (await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: validTicket })).json().reference;
      document = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    });
    afterAll(() => t.close());

    it('the document says HEAD is answered, and where it is not', () => {
      expect(document.info.description).toMatch(/Every GET operation also answers `HEAD`.*no body.*except the CSV export/);
    });

    it('every GET operation but the export answers HEAD as its GET, without a body, with a token or without', async () => {
      const gets = Object.entries<Record<string, unknown>>(document.paths).filter(([path, operations]) => 'get' in operations && path !== '/api/v1/tickets/export');
      expect(gets.length).toBeGreaterThan(15);
      for (const [path] of gets) {
        const url = path.replace('{reference}', reference).replace(/\{[a-z]+\}/g, '1');
        for (const headers of [{ authorization: `Bearer ${token}` }, {}]) {
          const get = await t.app.inject({ method: 'GET', url, headers });
          const head = await t.app.inject({ method: 'HEAD', url, headers });
          const label = `HEAD ${url} (token: ${'authorization' in headers})`;
          expect(head.statusCode, label).toBe(get.statusCode);
          expect(head.body, label).toBe('');
          for (const name of ['content-type', 'cache-control', 'www-authenticate']) expect(head.headers[name], `${label} ${name}`).toBe(get.headers[name]);
        }
      }
    });
  });
}
