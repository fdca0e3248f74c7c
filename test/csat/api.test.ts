/**
 * Staff see a ticket's rating on the ticket (§13) in the JSON API too: `csat` on the ticket, the
 * list and the answers of close and assign, `{ score, comment, rated_at }` or null while unrated;
 * read with the ticket's own row, so the list costs no statement more per ticket; webhook bodies,
 * being that shape, carry it too. The customer's
 * create answer has no rating (it is not the staff shape, and a new ticket is never rated).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketJson } from '../../src/http/api-shapes.js';
import { listTickets } from '../../src/repositories/ticketQueries.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import { reassignTicket } from '../../src/services/admin.js';
import { csatToken, rateTicket } from '../../src/services/csat.js';
import { closeTicket } from '../../src/services/tickets.js';
import { createEndpoint } from '../../src/services/webhookEndpoints.js';
import { newTicket } from '../admin/support.js';
import { ApiClient, staffWithToken } from '../api/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { QueryCounter } from '../support/queryCounter.js';
import { eventsFor } from '../support/webhookEvents.js';

for (const dialect of DIALECTS) {
  describe(`the rating in the JSON API (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock();
    let root: number;
    let admin: ApiClient;
    let agent: ApiClient;
    let ana: number;

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      const a = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
      root = a.id;
      admin = a.api;
      const b = await staffWithToken(t.app, t.ctx, 'ana', { capacity: 50 });
      ana = b.id;
      agent = b.api;
    });
    afterAll(async () => t?.close());

    /** A ticket Ana held and closed. */
    async function closedTicket(): Promise<number> {
      const id = await newTicket(t.ctx);
      await reassignTicket(t.ctx, root, id, 'ana');
      await closeTicket(t.ctx, { id: ana, role: 'agent' }, id);
      return id;
    }
    const rate = async (id: number, score: 'good' | 'bad', comment: string | null) => rateTicket(t.ctx, csatToken((await findTicketById(t.ctx.handle.db, id))!), { score, comment });

    it('shows null before the rating, then the score, the comment and when, to the admin and to the ticket’s agent', async () => {
      const id = await closedTicket();
      for (const api of [admin, agent]) {
        const before = await api.get(`/api/v1/tickets/HD-${id}`);
        expect(before.status).toBe(200);
        expect(before.body.csat).toBeNull();
      }
      clock.advance(60_000);
      await rate(id, 'bad', 'Took three days.');
      const ratedAt = new Date(clock.now()).toISOString();
      for (const api of [admin, agent]) {
        const one = await api.get(`/api/v1/tickets/HD-${id}`);
        expect(one.body.csat).toEqual({ score: 'bad', comment: 'Took three days.', rated_at: ratedAt });
        const listed = await api.get('/api/v1/tickets?status=closed&limit=200');
        expect(listed.status).toBe(200);
        expect(listed.body.items.find((item: { reference: string }) => item.reference === `HD-${id}`).csat).toEqual({ score: 'bad', comment: 'Took three days.', rated_at: ratedAt });
      }
      // A rating without a comment: comment null.
      await rate(id, 'good', null);
      expect((await admin.get(`/api/v1/tickets/HD-${id}`)).body.csat).toEqual({ score: 'good', comment: null, rated_at: new Date(clock.now()).toISOString() });
    });

    it('an open ticket in the list, and the answers of assign, show csat null', async () => {
      const id = await newTicket(t.ctx);
      const listed = await admin.get('/api/v1/tickets?status=open&limit=200');
      expect(listed.body.items.find((item: { reference: string }) => item.reference === `HD-${id}`).csat).toBeNull();
      const assigned = await admin.post(`/api/v1/tickets/HD-${id}/assign`, { agent: 'ana' });
      expect(assigned.status).toBe(200);
      expect(assigned.body.csat).toBeNull();
    });

    it('the customer’s create answer carries no rating', async () => {
      const created = await new ApiClient(t.app).post('/api/v1/tickets', { name: 'Carla', email: 'carla@example.com', title: 'Broken', description: 'It broke.', priority: 'low' });
      expect(created.status).toBe(201);
      expect(created.body).not.toHaveProperty('csat');
    });

    it('webhook bodies are the staff shape: a csat.rated delivery’s ticket carries the rating it announces', async () => {
      const endpoint = (await createEndpoint(t.ctx, null, { url: 'https://hooks.example.com/csat-api', events: ['csat.rated'] }, false)).id;
      const id = await closedTicket();
      await rate(id, 'good', 'Quick.');
      const [event] = await eventsFor(t.ctx.handle.db, endpoint);
      const { data } = JSON.parse(event!.payload) as { data: { ticket: { reference: string; csat: unknown }; rating: unknown } };
      expect(data.ticket.reference).toBe(`HD-${id}`);
      expect(data.ticket.csat).toEqual(data.rating);
      expect(data.rating).toEqual({ score: 'good', comment: 'Quick.', rated_at: new Date(clock.now()).toISOString() });
    });

    it('a page of rated tickets is read in one statement, the ratings with the rows', async () => {
      const ids = [await closedTicket(), await closedTicket(), await closedTicket()];
      for (const id of ids) await rate(id, 'good', `Thanks for HD-${id}`);
      const counter = new QueryCounter();
      const rows = await listTickets(t.ctx.handle.db.withPlugin(counter), { id: root, role: 'admin' }, { status: 'closed', limit: 200, now: clock.now() });
      expect(counter.count).toBe(1);
      const shown = rows.map((row) => ticketJson(row, t.ctx.publicUrl, clock.now())).filter((item) => ids.includes(Number(item.reference.slice(3))));
      expect(shown.map((item) => item.csat?.comment).sort()).toEqual(ids.map((id) => `Thanks for HD-${id}`).sort());
    });
  });
}
