import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { deactivateUser, reactivateUser } from '../../src/services/admin.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../../src/services/tokens.js';
import { addStaff, Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { runScript } from '../support/process.js';
import { ApiClient, staffWithToken } from './support.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

for (const dialect of DIALECTS) {
  describe(`API tokens (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock();
    let adminId: number;
    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      adminId = await addStaff(t.ctx, 'root', { role: 'admin' });
    });
    afterAll(() => t.close());

    const tokenRow = (id: number) => t.ctx.handle.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

    it('is shown once and stored only as its SHA-256', async () => {
      const created = await createApiToken(t.ctx, adminId, 'Website form');
      expect(created.token).toMatch(/^hd_[A-Za-z0-9_-]{43}$/);
      const row = await tokenRow(created.id);
      expect(row.token_hash).toBe(sha256(created.token));
      expect(JSON.stringify(row)).not.toContain(created.token.slice(3));
      const listed = await listApiTokens(t.ctx, adminId);
      expect(listed.find((k) => k.id === created.id)).toMatchObject({ name: 'Website form', username: 'root', revokedAt: null, lastUsedAt: null });
      expect(JSON.stringify(listed)).not.toContain(created.token.slice(3));
    });

    it('authenticates the API until revoked, then answers 401 at once', async () => {
      const created = await createApiToken(t.ctx, adminId, 'Monitoring');
      const api = new ApiClient(t.app, created.token);
      expect((await api.get('/api/v1/agents')).status).toBe(200);
      expect(await revokeApiToken(t.ctx, created.id, adminId)).toBe(true);
      const refused = await api.get('/api/v1/agents');
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('unauthenticated');
      expect(refused.headers['www-authenticate']).toContain('Bearer');
      expect(await revokeApiToken(t.ctx, created.id, adminId)).toBe(false);
      expect((await listApiTokens(t.ctx)).find((k) => k.id === created.id)?.revokedAt).toBe(clock.now());
      await expect(revokeApiToken(t.ctx, 999_999, adminId)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('records the last use, at most once a minute', async () => {
      const created = await createApiToken(t.ctx, adminId, 'Chat bot');
      const api = new ApiClient(t.app, created.token);
      const start = clock.now();
      await api.get('/api/v1/agents');
      expect((await tokenRow(created.id)).last_used_at).toBe(start);
      clock.advance(30_000);
      await api.get('/api/v1/agents');
      expect((await tokenRow(created.id)).last_used_at).toBe(start);
      clock.advance(31_000);
      await api.get('/api/v1/agents');
      expect((await tokenRow(created.id)).last_used_at).toBe(start + 61_000);
    });

    it('answers 401 without a token, with an unknown or malformed one, and for other schemes', async () => {
      for (const headers of [{} as Record<string, string>, { authorization: 'Bearer hd_unknownunknownunknownunknown' }, { authorization: 'Bearer' }, { authorization: 'Basic cm9vdDpwYXNzd29yZDEyMw==' }, { authorization: 'Bearer a b' }]) {
        const response = await new ApiClient(t.app).request('GET', '/api/v1/tickets', undefined, headers);
        expect(response.status).toBe(401);
        expect(response.body).toEqual({ error: { code: 'unauthenticated', message: expect.any(String) } });
      }
    });

    it("stops working when its account is deactivated", async () => {
      const dave = await staffWithToken(t.app, t.ctx, 'dave');
      expect((await dave.api.get('/api/v1/tickets')).status).toBe(200);
      await deactivateUser(t.ctx, adminId, dave.id);
      expect((await dave.api.get('/api/v1/tickets')).status).toBe(401);
      await expect(createApiToken(t.ctx, dave.id, 'again')).rejects.toMatchObject({ code: 'invalid_input' });
    });

    it('stays dead after its account is reactivated: deactivation revokes it, as it voids reset links', async () => {
      const fay = await staffWithToken(t.app, t.ctx, 'fay');
      const other = await createApiToken(t.ctx, fay.id, 'Second script');
      await deactivateUser(t.ctx, adminId, fay.id);
      await reactivateUser(t.ctx, adminId, fay.id);
      expect((await fay.api.get('/api/v1/tickets')).status).toBe(401);
      expect((await new ApiClient(t.app, other.token).get('/api/v1/tickets')).status).toBe(401);
      const listed = await listApiTokens(t.ctx, fay.id);
      expect(listed).toHaveLength(2);
      expect(listed.every((token) => token.revokedAt !== null)).toBe(true);
      // A token made after the reactivation works.
      const fresh = await createApiToken(t.ctx, fay.id, 'After');
      expect((await new ApiClient(t.app, fresh.token).get('/api/v1/tickets')).status).toBe(200);
    });

    it('refuses a session cookie alone, and never touches the session', async () => {
      await addStaff(t.ctx, 'erin');
      const browser = new Client(t.app);
      expect((await browser.login('erin')).statusCode).toBe(303);
      const sessionCookie = browser.cookie('hd_session')!;
      const before = await t.ctx.handle.db.selectFrom('sessions').select('last_seen_at').executeTakeFirstOrThrow();
      clock.advance(5 * 60_000);
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/tickets', cookies: { hd_session: sessionCookie } });
      expect(response.statusCode).toBe(401);
      expect(response.headers['set-cookie']).toBeUndefined();
      const after = await t.ctx.handle.db.selectFrom('sessions').select('last_seen_at').executeTakeFirstOrThrow();
      expect(after.last_seen_at).toBe(before.last_seen_at);
      // The same browser still works on the pages.
      expect((await browser.get('/agents/dashboard/')).statusCode).toBe(200);
    });

    it('validates what the admin types', async () => {
      await expect(createApiToken(t.ctx, adminId, 'x'.repeat(101))).rejects.toBeInstanceOf(DomainError);
      await expect(createApiToken(t.ctx, 424_242, 'ghost')).rejects.toMatchObject({ code: 'not_found' });
      expect((await createApiToken(t.ctx, adminId, '  ')).name).toBe('API token');
    });

    it('npm run token:create prints a working token alone on the last line', async () => {
      await addStaff(t.ctx, 'ops', { role: 'admin' });
      const created = await runScript('src/cli/token-create.ts', ['--username', 'OPS', '--name', 'Nagios'], { DATABASE_URL: t.database.url });
      expect(created.code, created.stderr).toBe(0);
      const lines = created.stdout.trim().split('\n');
      expect(lines[0]).toContain('"Nagios"');
      const token = lines.at(-1)!;
      expect(token).toMatch(/^hd_[A-Za-z0-9_-]{43}$/);
      expect((await new ApiClient(t.app, token).get('/api/v1/agents')).status).toBe(200);

      const unknown = await runScript('src/cli/token-create.ts', ['--username', 'nobody'], { DATABASE_URL: t.database.url });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no staff account "nobody"');
      const usage = await runScript('src/cli/token-create.ts', [], { DATABASE_URL: t.database.url });
      expect(usage.code).toBe(2);
    });
  });
}
