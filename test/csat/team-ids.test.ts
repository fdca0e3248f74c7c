/**
 * A deleted team's closed tickets keep its id (services/teams.ts deleteTeam), so a team created
 * later must never get that id: it would take over the deleted team's tickets, their figures and
 * their customers' ratings (§12, §13). PostgreSQL's sequence never gives an id twice; SQLite gave a
 * new row the largest id plus one, which was the deleted team's when it was the newest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTicketById } from '../../src/repositories/tickets.js';
import { csatToken, rateTicket } from '../../src/services/csat.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';

for (const dialect of DIALECTS) {
  describe(`a new team after a deleted one (${dialect})`, () => {
    let t: TestApp;
    let api: ApiClient;
    let sue: number;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const root = await addStaff(t.ctx, 'root', { role: 'admin' });
      sue = await addStaff(t.ctx, 'sue', { capacity: 5 });
      api = new ApiClient(t.app, (await createApiToken(t.ctx, root, 'teams')).token);
    });
    afterAll(async () => t?.close());

    it('starts with none of the deleted team’s tickets, figures or ratings', async () => {
      const night = await api.post('/api/v1/teams', { name: 'Night shift' });
      expect(night.status).toBe(201);
      expect((await api.put('/api/v1/agents/sue/teams', { teams: ['Support', 'Night shift'] })).status).toBe(200);
      const late = await api.post('/api/v1/topics', { name: 'Late', team: 'Night shift' });
      expect(late.status).toBe(201);
      await changePresence(t.ctx, sue, 'available');
      const created = await api.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'At night', description: 'Help', priority: 'low', topic: 'Late' });
      expect(created.body.agent).toBe('sue');
      const id = Number(String(created.body.reference).slice(3));
      await closeTicket(t.ctx, { id: sue, role: 'agent' }, id);
      await rateTicket(t.ctx, csatToken((await findTicketById(t.ctx.handle.db, id))!), { score: 'bad', comment: 'Too slow.' });
      expect((await api.request('DELETE', `/api/v1/topics/${late.body.id}`)).status).toBe(204);
      expect((await api.request('DELETE', `/api/v1/teams/${night.body.id}`)).status).toBe(204);

      const weekend = await api.post('/api/v1/teams', { name: 'Weekend' });
      expect(weekend.status).toBe(201);
      expect(weekend.body.id).not.toBe(night.body.id);
      expect((await api.get('/api/v1/tickets?team=Weekend')).body.items).toEqual([]);
      const stats = (await api.get('/api/v1/stats?team=Weekend')).body;
      expect({ total: stats.total, closed: stats.closed, csat: stats.csat }).toEqual({ total: 0, closed: 0, csat: { rated: 0, good: 0, score: null } });
      const perTeam = (await api.get('/api/v1/stats')).body.teams;
      expect(perTeam).toContainEqual({ name: 'Weekend', csat: { rated: 0, good: 0, score: null } });
      // The ticket itself shows no team, as before.
      expect((await api.get(`/api/v1/tickets/${created.body.reference}`)).body.team).toBeNull();
    });
  });
}
