/**
 * The rating POST (§13) against repeats and floods, on both engines: the rating already recorded
 * sent again (same score, same comment) answers as a success but writes nothing and queues no
 * `csat.rated` delivery; and the POST is rate-limited per client address like the other public
 * forms (RATE_LIMIT_TICKETS' figure, in a count of its own; in the database on PostgreSQL), a 429
 * over it with nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTicketById } from '../../src/repositories/tickets.js';
import { reassignTicket } from '../../src/services/admin.js';
import { csatToken, ratingPath } from '../../src/services/csat.js';
import { createEndpoint } from '../../src/services/webhookEndpoints.js';
import { closeTicket } from '../../src/services/tickets.js';
import { newTicket, visibleText } from '../admin/support.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { snapshot } from '../support/snapshot.js';
import { eventsFor } from '../support/webhookEvents.js';

const LIMIT = 4;
const TICKET = { name: 'Carla', email: 'carla@example.com', title: 'Broken', description: 'It broke.', priority: 'low' };

for (const dialect of DIALECTS) {
  describe(`rating again, and rating too often (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock();
    let root: number;
    let ana: number;
    let endpoint: number;
    const db = () => t.ctx.handle.db;
    let nextAddress = 1;
    /** A client of its own address: each test's limit starts at nothing. */
    const freshClient = () => new Client(t.app, { remoteAddress: `203.0.113.${nextAddress++}` });

    beforeAll(async () => {
      t = await startTestApp(dialect, {
        clock,
        config: { rateLimit: true, rateLimits: { loginPerAddress: { max: 50, windowMs: 60_000 }, loginPerUsername: { max: 50, windowMs: 60_000 }, ticketsPerAddress: { max: LIMIT, windowMs: 60_000 } } },
      });
      root = await addStaff(t.ctx, 'root', { role: 'admin' });
      ana = await addStaff(t.ctx, 'ana', { capacity: 50 });
      endpoint = (await createEndpoint(t.ctx, null, { url: 'https://hooks.example.com/csat', events: ['csat.rated'] }, false)).id;
    });
    afterAll(async () => t?.close());

    /** A ticket Ana held and closed, and its rating page. */
    async function closedTicket(): Promise<{ id: number; path: string }> {
      const id = await newTicket(t.ctx);
      await reassignTicket(t.ctx, root, id, 'ana');
      await closeTicket(t.ctx, { id: ana, role: 'agent' }, id);
      return { id, path: ratingPath(csatToken((await findTicketById(db(), id))!)) };
    }
    async function rate(client: Client, path: string, fields: Record<string, string>) {
      const page = await client.get(`${path}?score=${fields.score ?? 'good'}`);
      expect(page.statusCode).toBe(200);
      return client.post(path, { ...fields, _csrf: csrfFrom(page.body) });
    }
    /** Rates from an address of its own (out of the limit's way); the answer's status and the flash the page then shows. */
    async function rateOnce(path: string, fields: Record<string, string>): Promise<{ status: number; location: unknown; flash: string }> {
      const client = freshClient();
      const response = await rate(client, path, fields);
      const flash = /Thank you! Your rating is \w+\./.exec(visibleText(await client.get(path)))?.[0] ?? '';
      return { status: response.statusCode, location: response.headers.location, flash };
    }
    /** Everything a rating writes: the ticket's row (and every other snapshotted table), the summary, the queued deliveries. */
    const written = async () => ({
      rows: await snapshot(db()),
      summary: await db().selectFrom('csat_summary').selectAll().orderBy('agent_id').execute(),
      deliveries: (await eventsFor(db(), endpoint)).map((e) => e.id),
    });

    it('the same score and comment sent again answers as a success, writes nothing and queues no delivery', async () => {
      const { id, path } = await closedTicket();
      expect((await rateOnce(path, { score: 'good', comment: 'Fast.' })).status).toBe(303);
      const ratedAt = Number((await findTicketById(db(), id))!.csat_rated_at);
      const deliveries = (await eventsFor(db(), endpoint)).length;
      const before = await written();
      clock.advance(60_000);
      // The same rating, the comment as typed again (trimmed to the same text).
      for (const comment of ['Fast.', '  Fast.\n']) {
        expect(await rateOnce(path, { score: 'good', comment })).toEqual({ status: 303, location: path, flash: 'Thank you! Your rating is recorded.' });
      }
      expect(await written()).toEqual(before);
      expect(Number((await findTicketById(db(), id))!.csat_rated_at)).toBe(ratedAt);
      // A real change is still a change: written, announced, its own time.
      expect(await rateOnce(path, { score: 'good', comment: 'Fast, and kind.' })).toEqual({ status: 303, location: path, flash: 'Thank you! Your rating is changed.' });
      expect((await eventsFor(db(), endpoint)).length).toBe(deliveries + 1);
      expect(await findTicketById(db(), id)).toMatchObject({ csat_score: 'good', csat_comment: 'Fast, and kind.', csat_rated_at: expect.anything() });
      expect(Number((await findTicketById(db(), id))!.csat_rated_at)).toBe(clock.now());
      // Dropping the comment is a change too.
      expect((await rateOnce(path, { score: 'good', comment: '' })).flash).toBe('Thank you! Your rating is changed.');
      expect((await findTicketById(db(), id))!.csat_comment).toBeNull();
      expect((await eventsFor(db(), endpoint)).length).toBe(deliveries + 2);
    });

    it(`past ${LIMIT} rating posts a window from one address: 429 with Retry-After, nothing written; other addresses and ticket creation are counted apart`, async () => {
      const { id, path } = await closedTicket();
      const client = freshClient();
      const statuses = [];
      for (let i = 0; i < LIMIT; i++) statuses.push((await rate(client, path, { score: i % 2 === 0 ? 'bad' : 'good', comment: `Try ${i}` })).statusCode);
      expect(statuses).toEqual(Array(LIMIT).fill(303));
      const before = await written();
      const limited = await rate(client, path, { score: 'bad', comment: 'One too many' });
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(visibleText(limited)).toMatch(/Too many ratings in a short time\. Please wait \d+ seconds, then try again\./);
      expect(await written()).toEqual(before);
      expect((await findTicketById(db(), id))!.csat_comment).toBe(`Try ${LIMIT - 1}`);
      // Another address still rates; the limited address may still write in (its own count).
      expect((await rate(freshClient(), path, { score: 'bad', comment: 'From elsewhere' })).statusCode).toBe(303);
      expect((await client.submit('/tickets/create/', TICKET)).statusCode).toBe(303);
      // RATE_LIMIT_STORE=auto: on PostgreSQL the count is the database's, one for every process on it.
      const counted = (await db().selectFrom('rate_limit_counts').select('key').execute()).map((r) => r.key).filter((key) => key.startsWith('rating-address:'));
      expect(counted.length > 0).toBe(dialect === 'postgres');
    });
  });
}
