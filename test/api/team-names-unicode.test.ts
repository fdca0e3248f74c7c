/**
 * A team's name outside ASCII in the `?team=` filters (§12: "a team's name in any letter case, or
 * its id"), on both engines: SQLite's lower() folds only ASCII, so `Ärger` was an unknown team there
 * (a 400 on the API, nothing on /admin/), however it was typed; the admin lists also ignored ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { type ApiClient, staffWithToken } from './support.js';

for (const dialect of DIALECTS) {
  describe(`a team named outside ASCII in the filters (${dialect})`, () => {
    let t: TestApp;
    let api: ApiClient;
    let teamId: number;
    const admin = () => {
      const client = new Client(t.app);
      return client.login('root').then(() => client);
    };

    beforeAll(async () => {
      t = await startTestApp(dialect);
      api = (await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' })).api;
      await staffWithToken(t.app, t.ctx, 'ben');
      const team = await api.post('/api/v1/teams', { name: 'Ärger', members: ['ben'] });
      expect(team.status).toBe(201);
      teamId = team.body.id;
      expect((await api.post('/api/v1/topics', { name: 'Überweisung', team: 'ärger' })).status).toBe(201);
      const ticket = await api.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Zu viel abgebucht', description: 'Hilfe', priority: 'low', topic: 'Überweisung' });
      expect(ticket.body).toMatchObject({ reference: 'HD-1', team: 'Ärger' });
    });
    afterAll(() => t.close());

    it.each(['Ärger', 'ärger', 'ÄRGER'])('the API finds %s', async (name) => {
      const query = encodeURIComponent(name);
      const stats = await api.get(`/api/v1/stats?team=${query}`);
      expect([stats.status, stats.body.team, stats.body.total]).toEqual([200, 'Ärger', 1]);
      const tickets = await api.get(`/api/v1/tickets?team=${query}`);
      expect([tickets.status, tickets.body.items?.map((x: { reference: string }) => x.reference)]).toEqual([200, ['HD-1']]);
      const agents = await api.get(`/api/v1/agents?team=${query}`);
      expect([agents.status, agents.body.items?.map((x: { username: string }) => x.username)]).toEqual([200, ['ben']]);
    });

    it('refuses a name that shows nothing, or one that differs from a taken name only by invisible characters at its ends (400 on name, nothing written)', async () => {
      const before = JSON.stringify([(await api.get('/api/v1/teams')).body, (await api.get('/api/v1/topics')).body, (await api.get('/api/v1/skills')).body]);
      for (const [url, body, message] of [
        ['/api/v1/teams', { name: '\u200b' }, /required/i],
        ['/api/v1/teams', { name: '\u200bÄrger\u200f' }, /another team has this name/i],
        ['/api/v1/topics', { name: 'General\u00ad', team: 'Support' }, /another topic has this name/i],
        ['/api/v1/topics', { name: '\ufeff', team: 'Support' }, /required/i],
        ['/api/v1/skills', { name: '\u2060 \u200e' }, /required/i],
      ] as const) {
        const refused = await api.post(url, body);
        expect([url, refused.status, refused.body.error?.fields?.name]).toEqual([url, 400, expect.stringMatching(message)]);
      }
      expect(JSON.stringify([(await api.get('/api/v1/teams')).body, (await api.get('/api/v1/topics')).body, (await api.get('/api/v1/skills')).body])).toBe(before);
      // A list naming a team with such characters around it names that team.
      expect((await api.put('/api/v1/agents/ben/teams', { teams: ['\u200bärger'] })).status).toBe(200);
    });

    it('a name differing from a taken one only in its Unicode normal form is the same name: refused as a new one, found in the lookups', async () => {
      // "Ärger" typed with A and a combining diaeresis (NFD, as macOS files and some keyboards send
      // it) looks exactly like the stored precomposed Ä (NFC): it must not be a second team, topic
      // or skill, and it must name the one there is.
      const nfd = (text: string) => text.normalize('NFD');
      const before = JSON.stringify([(await api.get('/api/v1/teams')).body, (await api.get('/api/v1/topics')).body, (await api.get('/api/v1/skills')).body]);
      expect((await api.post('/api/v1/skills', { name: 'Größe' })).status).toBe(201);
      for (const [url, body, message] of [
        ['/api/v1/teams', { name: nfd('Ärger') }, /another team has this name/i],
        ['/api/v1/topics', { name: nfd('Überweisung'), team: 'Support' }, /another topic has this name/i],
        ['/api/v1/skills', { name: nfd('größe') }, /another skill has this name/i],
      ] as const) {
        const refused = await api.post(url, body);
        expect([url, refused.status, refused.body.error?.fields?.name]).toEqual([url, 400, expect.stringMatching(message)]);
      }
      const skill = (await api.get('/api/v1/skills')).body.items.find((s: { name: string }) => s.name === 'Größe');
      expect((await api.delete(`/api/v1/skills/${skill.id}`)).status).toBe(204);
      expect(JSON.stringify([(await api.get('/api/v1/teams')).body, (await api.get('/api/v1/topics')).body, (await api.get('/api/v1/skills')).body])).toBe(before);
      // The filters, a list of team names and a ticket's topic find the stored names.
      const stats = await api.get(`/api/v1/stats?team=${encodeURIComponent(nfd('ärger'))}`);
      expect([stats.status, stats.body.team]).toEqual([200, 'Ärger']);
      expect((await api.put('/api/v1/agents/ben/teams', { teams: [nfd('Ärger')] })).status).toBe(200);
      const ticket = await api.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Doppelt', description: 'Hilfe', priority: 'low', topic: nfd('überweisung') });
      expect([ticket.status, ticket.body.team]).toEqual([201, 'Ärger']);
    });

    it('the admin lists find it by name in any letter case and by id; an unknown one is refused by its field', async () => {
      const client = await admin();
      for (const team of ['ärger', String(teamId)]) {
        const tickets = await client.get(`/admin/tickets/?team=${encodeURIComponent(team)}`);
        expect(tickets.statusCode).toBe(200);
        expect(tickets.body).toContain('Zu viel abgebucht');
        const users = await client.get(`/admin/users/?team=${encodeURIComponent(team)}`);
        expect(users.statusCode).toBe(200);
        expect(users.body).toContain('>ben<');
      }
      // An unknown team is a 400 by the field with no rows, not an empty list (README, Admin pages).
      const none = await client.get('/admin/tickets/?team=Nowhere');
      expect(none.statusCode).toBe(400);
      expect(none.body).toContain('No team has this name.');
      expect(none.body).not.toContain('Zu viel abgebucht');
    });
  });
}
