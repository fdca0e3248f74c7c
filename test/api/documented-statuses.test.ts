/**
 * Every status a route answers is in its OpenAPI responses (§8: the document describes the API).
 * Fastify reads the body of every POST, PUT, PATCH and DELETE before the route's code runs, so each
 * of those can answer a body that is not JSON (415), one too large (413) and broken JSON (400),
 * whatever the route does with it; a client generated from the document must find them there.
 * Each route is called with the token of a role that may call it, so the body is what is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { staffWithToken } from './support.js';

const BODY_METHODS = ['post', 'put', 'patch', 'delete'];
/** Beyond the API's body limit (README, security: 256 kB). */
const TOO_LARGE = JSON.stringify({ text: 'x'.repeat(300 * 1024) });

for (const dialect of DIALECTS) {
  describe(`statuses a body can cause are documented (${dialect})`, () => {
    let t: TestApp;
    let document: any;
    let adminToken: string;
    let agentToken: string;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      adminToken = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).token;
      agentToken = (await staffWithToken(t.app, t.ctx, 'ana')).token;
      document = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    });
    afterAll(() => t.close());

    const operations = () =>
      Object.entries<Record<string, any>>(document.paths).flatMap(([path, ops]) =>
        Object.entries(ops)
          .filter(([method]) => BODY_METHODS.includes(method))
          .map(([method, op]) => ({ method, path, op })),
      );

    it('a body of another type (415), a body too large (413) and broken JSON (400)', async () => {
      const undocumented: string[] = [];
      expect(operations().length).toBeGreaterThan(25);
      for (const { method, path, op } of operations()) {
        const url = path.replace('{reference}', 'HD-1').replace('{username}', 'ana').replace(/\{\w+\}/g, '1');
        const token = path === '/api/v1/agents/me/presence' ? agentToken : adminToken;
        const bodies: [string, string, string][] = [
          ['text/plain', 'hello', 'not JSON'],
          ['application/json', TOO_LARGE, 'too large'],
          ['application/json', '{"broken": ', 'broken JSON'],
        ];
        for (const [type, payload, what] of bodies) {
          const response = await t.app.inject({ method: method.toUpperCase() as 'POST', url, headers: { authorization: `Bearer ${token}`, 'content-type': type }, payload });
          expect(response.statusCode, `${method} ${path} (${what}): ${response.body}`).toBeLessThan(500);
          if (!(String(response.statusCode) in op.responses)) undocumented.push(`${method.toUpperCase()} ${path}: ${what} answers ${response.statusCode}`);
        }
      }
      expect(undocumented).toEqual([]);
    });
  });
}
