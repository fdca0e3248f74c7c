/**
 * An admin's username where the API needs an agent's (§12: teams hold agents; admins take no
 * tickets): a 400 naming the field and saying the account is an admin, nothing written. It used to
 * be a 404 "Agent not found." for `PUT /api/v1/agents/root/teams`, and "no agent is named “root”"
 * for a team's members: both read as if the account did not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { snapshot } from '../support/snapshot.js';
import { type ApiClient, staffWithToken, validTicket } from './support.js';

const ADMIN = /^“root” is an admin: admins take no tickets and belong to no team\.$/;

for (const dialect of DIALECTS) {
  describe(`an admin's username where an agent is needed (${dialect})`, () => {
    let t: TestApp;
    let admin: ApiClient;
    let supportId: number;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      await staffWithToken(t.app, t.ctx, 'ana');
      supportId = (await admin.get('/api/v1/teams')).body.items.find((team: { name: string }) => team.name === 'Support').id;
    });
    afterAll(() => t.close());

    it('PUT /agents/{admin}/teams: 400 naming username, nothing written; an unknown username stays a 404', async () => {
      const before = await snapshot(t.ctx.handle.db);
      const response = await admin.put('/api/v1/agents/root/teams', { teams: ['Support'], skills: [] });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_input');
      expect(response.body.error.fields).toEqual({ username: expect.stringMatching(ADMIN) });
      expect(await snapshot(t.ctx.handle.db)).toEqual(before);
      expect((await admin.put('/api/v1/agents/ghost/teams', { teams: ['Support'] })).status).toBe(404);
      expect((await admin.put('/api/v1/agents/ana/teams', { teams: ['Support'] })).status).toBe(200);
    });

    it('the document says so', async () => {
      const document = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      expect(document.paths['/api/v1/agents/{username}/teams'].put.description).toMatch(/An admin’s username is a 400 naming `username`.*nobody’s a 404/);
    });

    it('a team’s members naming an admin: 400 naming members, saying it is an admin (beside an unknown name)', async () => {
      const before = await snapshot(t.ctx.handle.db);
      const created = await admin.post('/api/v1/teams', { name: 'Billing', members: ['ana', 'root'] });
      expect(created.status).toBe(400);
      expect(created.body.error.fields).toEqual({ members: 'Members: “root” is an admin: admins take no tickets and belong to no team.' });
      const updated = await admin.put(`/api/v1/teams/${supportId}`, { name: 'Support', members: ['ghost', 'root'] });
      expect(updated.status).toBe(400);
      expect(updated.body.error.fields.members).toBe('Members: no agent is named “ghost”. “root” is an admin: admins take no tickets and belong to no team.');
      expect(await snapshot(t.ctx.handle.db)).toEqual(before);
    });

    it('assigning a ticket to an admin: 400 naming agent, saying it is an admin; nothing written', async () => {
      const reference = (await admin.post('/api/v1/tickets', validTicket)).body.reference;
      const before = await snapshot(t.ctx.handle.db);
      const response = await admin.post(`/api/v1/tickets/${reference}/assign`, { agent: 'root' });
      expect(response.status).toBe(400);
      expect(response.body.error.fields).toEqual({ agent: 'Reassign to: “root” is an admin: admins take no tickets and belong to no team.' });
      expect(await snapshot(t.ctx.handle.db)).toEqual(before);
      expect((await admin.post(`/api/v1/tickets/${reference}/assign`, { agent: 'ghost' })).body.error.fields).toEqual({ agent: 'Reassign to: choose an active agent.' });
    });

    // The list answered an empty page for an admin's username, as if the name were an agent's with
    // no tickets, where every other field naming an agent says it is an admin.
    it('listing or exporting the tickets of an admin: 400 naming agent, saying it is an admin', async () => {
      for (const url of ['/api/v1/tickets?agent=root', '/api/v1/tickets/export?agent=root']) {
        const response = await admin.get(url);
        expect(response.status, url).toBe(400);
        expect(response.body.error.fields, url).toEqual({ agent: expect.stringMatching(ADMIN) });
      }
      expect((await admin.get('/api/v1/tickets?agent=ana')).status).toBe(200);
      expect((await admin.get('/api/v1/tickets?agent=ghost')).body.error.fields).toEqual({ agent: 'No staff account has this username.' });
    });
  });
}
