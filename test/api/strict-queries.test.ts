/**
 * Strict query strings (README, JSON API): a list's query parameter it does not know is a 400
 * naming it ("Unknown parameter."), as a body's unknown key is, never ignored. A script asking
 * `?agnet=ana` or `?stauts=closed` used to get every ticket with a 200 and take it for the
 * filtered list (the CSV export of every customer instead of one agent's); `?page=2` answered the
 * first page again, forever. Unknown and bad parameters are named together in one answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { type ApiClient, staffWithToken, validTicket } from './support.js';

for (const dialect of DIALECTS) {
  describe(`strict query strings (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let reference: string;
    let webhook: number;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      await staffWithToken(t.app, t.ctx, 'ana');
      reference = (await admin.post('/api/v1/tickets', validTicket)).body.reference;
      webhook = (await admin.post('/api/v1/webhooks', { url: 'https://hooks.example.com/in', events: ['ticket.created'] })).body.id;
    });
    afterAll(() => t.close());

    const lists = () => [
      '/api/v1/tickets?state=open',
      '/api/v1/tickets/export?state=open',
      '/api/v1/agents?limit=5',
      `/api/v1/tickets/${reference}/messages?limit=5`,
      '/api/v1/stats?window=7d',
      '/api/v1/calendars?limit=5',
      `/api/v1/webhooks/${webhook}/deliveries?limit=5`,
      '/api/v1/audit?action=user',
    ];

    it('every list answers its own parameters', async () => {
      for (const url of lists()) expect((await admin.get(url)).status, url).toBe(200);
    });

    it.each([['agnet=ana'], ['stauts=closed'], ['page=2'], ['per_page=100']])('?%s beside a known parameter is a 400 naming it, on every list', async (extra) => {
      for (const url of lists()) {
        const response = await admin.get(`${url}&${extra}`);
        expect(response.status, `${url}&${extra}`).toBe(400);
        expect(response.body.error.code).toBe('invalid_input');
        expect(response.body.error.fields, `${url}&${extra}`).toEqual({ [extra.split('=')[0]!]: 'Unknown parameter.' });
      }
    });

    // As /admin/tickets/ reads its form's empty fields, and as `team=` always was: an empty filter filters nothing.
    it('an empty agent or team is no filter, on the list and its export', async () => {
      const rows = async (url: string) => {
        const response = await admin.get(url);
        expect(response.status, `${url}: ${JSON.stringify(response.body)}`).toBe(200);
        return url.includes('/export') ? String(response.body).trim().split('\r\n').length - 1 : response.body.items.length;
      };
      for (const list of ['/api/v1/tickets', '/api/v1/tickets/export']) {
        expect(await rows(`${list}?agent=ana`), list).toBe(0);
        for (const empty of ['agent=', 'team=', 'agent=&team=', 'agent=%20%20']) expect(await rows(`${list}?${empty}`), `${list}?${empty}`).toBe(1);
      }
    });

    it('a parameter named __proto__ or constructor is named like any other', async () => {
      for (const name of ['__proto__', 'constructor', 'toString']) {
        const response = await admin.get(`/api/v1/tickets?state=open&${name}=1`);
        expect(response.status, name).toBe(400);
        expect(Object.keys(response.body.error.fields), name).toEqual([name]);
        expect(response.body.error.fields[name], name).toBe('Unknown parameter.');
      }
    });

    it('an unknown parameter and a bad known one are named together', async () => {
      const response = await admin.get('/api/v1/tickets?state=sleeping&page=2&limit=0');
      expect(response.status).toBe(400);
      expect(Object.keys(response.body.error.fields).sort()).toEqual(['limit', 'page', 'state']);
      expect(response.body.error.fields.page).toBe('Unknown parameter.');
    });

    // JavaScript's Number() read them: 0x10 was a page of 16, 1e1 of 10, ' 5' of 5, 0b11 of 3.
    it('a page size is written in decimal digits, nothing else', async () => {
      for (const limit of ['0x10', '1e1', '%205', '5%20', '0b11', '0o7', '%2B5', '5.0', '', 'Infinity']) {
        for (const list of ['/api/v1/tickets', `/api/v1/tickets/${reference}/messages`, '/api/v1/agents']) {
          const response = await admin.get(`${list}?limit=${limit}`);
          expect([list, limit, response.status, response.body.error?.fields]).toEqual([list, limit, 400, { limit: 'Enter a whole number from 1 to 200.' }]);
        }
      }
      for (const [limit, items] of [['1', 1], ['007', 1], ['200', 1]] as const) {
        const response = await admin.get(`/api/v1/tickets?limit=${limit}`);
        expect([limit, response.status, response.body.items.length]).toEqual([limit, 200, items]);
      }
    });
  });
}
