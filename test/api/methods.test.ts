/**
 * A method an API address does not have (README, JSON API, Errors): 405 with `Allow` naming the
 * methods it has and the API's error body, with a token or without; nothing is written. Addresses
 * that do not exist stay 404, and the pages keep their 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { snapshot } from '../support/snapshot.js';
import { staffWithToken } from './support.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

for (const dialect of DIALECTS) {
  describe(`405 on API addresses (${dialect})`, () => {
    let t: TestApp;
    let token: string;
    let reference: string;
    let teamId: number;
    const send = (method: Method, url: string, withToken = true) =>
      t.app.inject({ method, url, headers: withToken ? { authorization: `Bearer ${token}` } : {}, ...(method === 'GET' || method === 'OPTIONS' ? {} : { payload: { name: 'X' } }) });

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const admin = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
      token = admin.token;
      reference = (await admin.api.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Printer', description: 'It jams.', priority: 'low' })).body.reference;
      teamId = (await admin.api.post('/api/v1/teams', { name: 'Billing' })).body.id;
    });
    afterAll(() => t.close());

    it.each<[Method, string, string]>([
      ['DELETE', '/api/v1/settings', 'GET, HEAD, PATCH'],
      ['PUT', '/api/v1/tickets', 'GET, HEAD, POST'],
      ['PATCH', '/api/v1/tickets?status=open', 'GET, HEAD, POST'],
      ['DELETE', '/api/v1/tickets/{reference}', 'GET, HEAD'],
      ['GET', '/api/v1/teams/{team}', 'PUT, DELETE'],
      ['POST', '/api/v1/skills/1', 'PUT, DELETE'],
      ['GET', '/api/v1/tickets/{reference}/close', 'POST'],
      ['OPTIONS', '/api/v1/teams', 'GET, HEAD, POST'],
      // A %-escaped parameter is matched as the router matches it.
      ['GET', '/api/v1/agents/b%C3%A9n/teams', 'PUT'],
    ])('%s %s: 405, Allow %s, the API error shape, nothing written', async (method, url, allow) => {
      for (const withToken of [true, false]) {
        const before = await snapshot(t.ctx.handle.db);
        const response = await send(method, url.replace('{reference}', reference).replace('{team}', String(teamId)), withToken);
        expect(response.statusCode, `token: ${withToken}`).toBe(405);
        expect(response.headers.allow).toBe(allow);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        expect(response.json()).toEqual({ error: { code: 'method_not_allowed', message: expect.stringContaining(allow) } });
        expect(await snapshot(t.ctx.handle.db)).toEqual(before);
      }
    });

    it.each<[Method, string]>([
      ['GET', '/api/v1/nothing'],
      ['DELETE', '/api/v1/nothing/3'],
      ['PUT', '/api/v2/tickets'],
    ])('%s %s: no such address, still 404 in the API shape', async (method, url) => {
      const response = await send(method, url);
      expect(response.statusCode).toBe(404);
      expect(response.headers.allow).toBeUndefined();
      expect(response.json().error.code).toBe('not_found');
    });

    it('the pages keep their 404 for a method they do not have', async () => {
      const response = await send('DELETE', '/adminapp/settings/', false);
      expect(response.statusCode).toBe(404);
      expect(response.headers.allow).toBeUndefined();
      expect(response.headers['content-type']).toMatch(/^text\/html/);
    });
  });
}
