/**
 * A closed ticket whose team (and topic) were deleted since: the tickets export's `team` column
 * says "(deleted team)" — the words the ticket's page shows — instead of an empty field a
 * spreadsheet user reads as "no team". Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient } from '../api/support.js';
import { addStaff, type Client, startTestApp, type TestApp } from '../support/app.js';
import { csvObjects } from '../support/csv.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, visibleText } from './support.js';

for (const dialect of DIALECTS) {
  describe(`a deleted team in the tickets export and on the ticket page (${dialect})`, () => {
    let t: TestApp;
    let api: ApiClient;
    let admin: Client;
    let id: number;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const root = await adminClient(t);
      admin = root.client;
      const sue = await addStaff(t.ctx, 'sue', { capacity: 5 });
      api = new ApiClient(t.app, (await createApiToken(t.ctx, root.id, 'teams')).token);
      expect((await api.post('/api/v1/teams', { name: 'Night shift' })).status).toBe(201);
      expect((await api.put('/api/v1/agents/sue/teams', { teams: ['Support', 'Night shift'] })).status).toBe(200);
      expect((await api.post('/api/v1/topics', { name: 'Late', team: 'Night shift' })).status).toBe(201);
      await changePresence(t.ctx, sue, 'available');
      const created = await api.post('/api/v1/tickets', { name: 'Dora', email: 'dora@customer.example', title: 'Help', description: 'Help', priority: 'low', topic: 'Late' });
      id = Number(String(created.body.reference).slice(3));
      await closeTicket(t.ctx, { id: sue, role: 'agent' }, id);
      const late = (await api.get('/api/v1/topics')).body.items.find((topic: { name: string }) => topic.name === 'Late');
      expect((await api.request('DELETE', `/api/v1/topics/${late.id}`)).status).toBe(204);
      const night = (await api.get('/api/v1/teams')).body.items.find((team: { name: string }) => team.name === 'Night shift');
      expect((await api.request('DELETE', `/api/v1/teams/${night.id}`)).status).toBe(204);
    });
    afterAll(() => t.close());

    it('the export says (deleted team), as the page does', async () => {
      const csv = await admin.get('/admin/tickets/export.csv');
      expect(csv.statusCode).toBe(200);
      const row = csvObjects(csv.body).rows.find((record) => record.reference === `HD-${id}`)!;
      expect(row.team).toBe('(deleted team)');
      const page = visibleText(await admin.get(`/admin/tickets/${id}/`));
      expect(page).toContain('Team (deleted team)');
    });
  });
}
