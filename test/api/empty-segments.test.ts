/**
 * An API address with a trailing slash or an empty segment (`/api/v1/tickets/`,
 * `/api/v1/tickets//close`) names no route: 404 `not_found` saying so and naming the address
 * without the slash, for every method, with a token or without, and nothing is written (README,
 * JSON API, Errors). It used to reach the route with an empty id: "Ticket not found." for
 * `GET /api/v1/tickets/`, a 405 for `POST /api/v1/tickets/`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { snapshot } from '../support/snapshot.js';
import { staffWithToken, validTicket } from './support.js';

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

for (const dialect of DIALECTS) {
  describe(`API addresses with an empty segment (${dialect})`, () => {
    let t: TestApp;
    let token: string;
    let operations: [Method, string][];
    beforeAll(async () => {
      t = await startTestApp(dialect);
      token = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).token;
      await t.app.inject({ method: 'POST', url: '/api/v1/tickets', payload: validTicket });
      const document = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      operations = Object.entries<Record<string, unknown>>(document.paths).flatMap(([path, byMethod]) => Object.keys(byMethod).map((method): [Method, string] => [method.toUpperCase() as Method, path]));
    });
    afterAll(() => t.close());

    const send = (method: Method, url: string, withToken: boolean) =>
      t.app.inject({ method, url, headers: withToken ? { authorization: `Bearer ${token}` } : {}, ...(method === 'GET' || method === 'HEAD' ? {} : { payload: {} }) });

    it('every documented operation: its address with a trailing slash is a 404 naming the address without it', async () => {
      expect(operations.length).toBeGreaterThan(40);
      for (const [method, path] of operations) {
        // Parameters filled with real-looking values: only the slash is wrong.
        const url = path.replace('{reference}', 'HD-1').replace(/\{[a-z]+\}/g, '1');
        for (const withToken of [true, false]) {
          const before = await snapshot(t.ctx.handle.db);
          const response = await send(method, `${url}/`, withToken);
          const label = `${method} ${url}/ (token: ${withToken})`;
          expect(response.statusCode, label).toBe(404);
          expect(response.headers.allow, label).toBeUndefined();
          expect(response.json(), label).toEqual({ error: { code: 'not_found', message: `There is no API address ${url}/: API addresses take no trailing slash or empty segment (try ${url}).` } });
          expect(await snapshot(t.ctx.handle.db), label).toEqual(before);
        }
      }
    });

    it('every documented operation with a path parameter: the parameter left empty is a 404, not "not found" for an empty id', async () => {
      const withParameter = operations.filter(([, path]) => path.includes('{'));
      expect(withParameter.length).toBeGreaterThan(15);
      for (const [method, path] of withParameter) {
        const url = path.replace(/\{[a-z]+\}/g, '');
        const before = await snapshot(t.ctx.handle.db);
        const response = await send(method, url, true);
        expect(response.statusCode, `${method} ${url}`).toBe(404);
        expect(response.json().error.message, `${method} ${url}`).toMatch(/^There is no API address .*: API addresses take no trailing slash or empty segment/);
        expect(await snapshot(t.ctx.handle.db)).toEqual(before);
      }
    });

    it('HEAD answers the 404 without a body; the query string is kept out of the address named', async () => {
      const head = await send('HEAD', '/api/v1/tickets/', true);
      expect(head.statusCode).toBe(404);
      expect(head.body).toBe('');
      const get = await send('GET', '/api/v1/tickets/?status=open', true);
      expect(get.json().error.message).toContain('(try /api/v1/tickets)');
    });

    // The document's own address with a slash was the generic "There is no page at this address."
    it('the API document with a trailing slash: the same 404, naming /api/openapi.json', async () => {
      for (const method of ['GET', 'POST'] as const) {
        const response = await send(method, '/api/openapi.json/', false);
        expect(response.statusCode, method).toBe(404);
        expect(response.json(), method).toEqual({ error: { code: 'not_found', message: 'There is no API address /api/openapi.json/: API addresses take no trailing slash or empty segment (try /api/openapi.json).' } });
      }
      expect((await send('GET', '/api/openapi.json', false)).statusCode).toBe(200);
    });

    it('the well-formed addresses and the docs still answer', async () => {
      expect((await send('GET', '/api/v1/tickets/HD-1', true)).statusCode).toBe(200);
      expect((await send('GET', '/api/docs/', false)).statusCode).toBe(200);
    });
  });
}
