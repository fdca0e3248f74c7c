/**
 * Ratings of a deleted team's tickets (its closed tickets keep its id) count in the desk's total
 * satisfaction; they get a row of their own — "Teams since deleted" on the dashboard, `deleted_teams`
 * in GET /api/v1/stats and the dashboard's feed — so the per-team rows add up to the total. No
 * such row while there are no such ratings, nor on one team's dashboard. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTicketById } from '../../src/repositories/tickets.js';
import { csatToken, rateTicket } from '../../src/services/csat.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { createApiToken } from '../../src/services/tokens.js';
import { adminClient, visibleText } from '../admin/support.js';
import { ApiClient } from '../api/support.js';
import { addStaff, type Client, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';

interface Figure {
  rated: number;
  good: number;
  score: number | null;
}

for (const dialect of DIALECTS) {
  describe(`satisfaction of teams since deleted (${dialect})`, () => {
    let t: TestApp;
    let api: ApiClient;
    let admin: Client;
    let sue: number;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const root = await adminClient(t);
      admin = root.client;
      sue = await addStaff(t.ctx, 'sue', { capacity: 5 });
      api = new ApiClient(t.app, (await createApiToken(t.ctx, root.id, 'teams')).token);
    });
    afterAll(async () => t?.close());

    /** A ticket of `topic`, closed by Sue and rated `score`. */
    async function rated(topic: string | undefined, score: 'good' | 'bad'): Promise<void> {
      const created = await api.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Help', description: 'Help', priority: 'low', ...(topic ? { topic } : {}) });
      expect(created.body.agent).toBe('sue');
      const id = Number(String(created.body.reference).slice(3));
      await closeTicket(t.ctx, { id: sue, role: 'agent' }, id);
      await rateTicket(t.ctx, csatToken((await findTicketById(t.ctx.handle.db, id))!), { score, comment: null });
    }

    const sumOf = (figures: Figure[]) => figures.reduce((sum, f) => ({ rated: sum.rated + f.rated, good: sum.good + f.good }), { rated: 0, good: 0 });

    it('has no such row while every rated team exists', async () => {
      const night = await api.post('/api/v1/teams', { name: 'Night shift' });
      expect(night.status).toBe(201);
      expect((await api.put('/api/v1/agents/sue/teams', { teams: ['Support', 'Night shift'] })).status).toBe(200);
      expect((await api.post('/api/v1/topics', { name: 'Late', team: 'Night shift' })).status).toBe(201);
      await changePresence(t.ctx, sue, 'available');
      await rated(undefined, 'good');
      await rated('Late', 'bad');
      await rated('Late', 'good');
      const stats = (await api.get('/api/v1/stats')).body;
      expect(stats.deleted_teams).toBeNull();
      expect(visibleText(await admin.get('/adminapp/dashboard/'))).not.toContain('Teams since deleted');
    });

    it('counts the deleted team’s ratings in a row of their own, so the rows add up to the total', async () => {
      const late = (await api.get('/api/v1/topics')).body.items.find((topic: { name: string }) => topic.name === 'Late');
      expect((await api.request('DELETE', `/api/v1/topics/${late.id}`)).status).toBe(204);
      const night = (await api.get('/api/v1/teams')).body.items.find((team: { name: string }) => team.name === 'Night shift');
      expect((await api.request('DELETE', `/api/v1/teams/${night.id}`)).status).toBe(204);

      for (const stats of [(await api.get('/api/v1/stats')).body, JSON.parse((await admin.get('/adminapp/dashboard/data.json')).body)]) {
        expect(stats.csat).toEqual({ rated: 3, good: 2, score: 0.6667 });
        expect(stats.teams).toEqual([{ name: 'Support', csat: { rated: 1, good: 1, score: 1 } }]);
        expect(stats.deleted_teams).toEqual({ csat: { rated: 2, good: 1, score: 0.5 } });
        const rows = sumOf([...stats.teams.map((row: { csat: Figure }) => row.csat), stats.deleted_teams.csat]);
        expect(rows).toEqual({ rated: stats.csat.rated, good: stats.csat.good });
      }

      const page = await admin.get('/adminapp/dashboard/');
      const table = page.body.slice(page.body.indexOf('id="team-csat"'), page.body.indexOf('</table>', page.body.indexOf('id="team-csat"')));
      const rows = [...table.matchAll(/<tr data-team(?:="([^"]*)")?>([\s\S]*?)<\/tr>/g)].map((m) => [m[1] ?? '', ...[...m[2]!.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => c[1])]);
      // The empty key (`<tr data-team>`), which no team's name can be.
      expect(rows).toEqual([
        ['Support', 'Support', '1', '1', '100.0 %'],
        ['', 'Teams since deleted', '2', '1', '50.0 %'],
      ]);
    });

    it('one team’s figures have no such row', async () => {
      expect((await api.get('/api/v1/stats?team=Support')).body.deleted_teams).toBeNull();
    });
  });
}
