/**
 * The API's CSV export of one team's tickets (`?team=`, its id or its name, §12) exports that team's
 * tickets, as GET /api/v1/tickets lists them, even when another team's id is spelled like the
 * chosen team's name (a team named "2" beside the team whose id is 2; such names are refused now,
 * but a team may have been named so before). Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTeam } from '../../src/core/teamInput.js';
import { referenceOf } from '../../src/core/tickets.js';
import { saveTeam } from '../../src/services/teams.js';
import { ApiClient, seedTickets, staffWithToken, walk } from '../api/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { csvObjects } from '../support/csv.js';
import { DIALECTS } from '../support/db.js';
import { adminClient } from './support.js';

const BASE = Date.UTC(2026, 0, 1);

for (const dialect of DIALECTS) {
  describe(`API ticket export of a team named in digits (${dialect})`, () => {
    let t: TestApp;
    let token: string;
    let billing: number;
    let digits: number;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const { id: rootId } = await adminClient(t);
      billing = await saveTeam(t.ctx, rootId, validateTeam({ name: 'Billing' }));
      // Named like Billing's id: a name refused since (core/teamInput.ts), kept by a team named before.
      digits = (await t.ctx.handle.db.insertInto('teams').values({ name: String(billing), created_at: BASE }).returning('id').executeTakeFirstOrThrow()).id;
      token = (await staffWithToken(t.app, t.ctx, 'boss', { role: 'admin' })).token;
      await seedTickets(
        t.ctx,
        [billing, digits, digits].map((teamId, i) => ({
          customer_name: `Customer ${i}`,
          customer_email: `c${i}@example.com`,
          title: `Ticket ${i}`,
          description: 'Seeded.',
          priority: 'medium' as const,
          status: 'open' as const,
          agent_id: null,
          created_at: BASE + i * 60_000,
          assigned_at: null,
          closed_at: null,
          sla_due_at: BASE + 86_400_000,
          team_id: teamId,
          csat_score: null,
        })),
      );
    });
    afterAll(() => t.close());

    it('exports the tickets the list shows for the team chosen by id', async () => {
      const ofTeam = async (teamId: number) =>
        (await t.ctx.handle.db.selectFrom('tickets').select('id').where('team_id', '=', teamId).orderBy('id', 'desc').execute()).map((r) => referenceOf(r.id));
      for (const teamId of [digits, billing]) {
        const listed = (await walk(new ApiClient(t.app, token), `/api/v1/tickets?team=${teamId}`)).items.map((item: { reference: string }) => item.reference);
        expect(listed, `team ${teamId}`).toEqual(await ofTeam(teamId));
        const response = await t.app.inject({ method: 'GET', url: `/api/v1/tickets/export?team=${teamId}`, headers: { authorization: `Bearer ${token}` } });
        expect(response.statusCode).toBe(200);
        expect(csvObjects(response.body).rows.map((r) => r.reference), `team ${teamId}`).toEqual(listed);
      }
    });
  });
}
