/**
 * The customer's rating (§13) through the real app on both engines, from the links in the real
 * closed email: GET shows a confirm form and writes nothing; POST records it (one per ticket);
 * a change within 7 days of the close is taken, one after is refused; an open ticket, a forged or
 * unknown token, a bad score, an over-long comment and a missing CSRF token are refused with
 * nothing written; the reply that closes the ticket asks too; staff see the rating and comment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSAT_CHANGE_DAYS, MAX_CSAT_COMMENT } from '../../src/core/csat.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import { reassignTicket } from '../../src/services/admin.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { csatToken } from '../../src/services/csat.js';
import { createEndpoint } from '../../src/services/webhookEndpoints.js';
import { closeTicket } from '../../src/services/tickets.js';
import { newTicket, visibleText } from '../admin/support.js';
import { addStaff, Client, csrfFrom, startTestApp, type TestApp, TEST_CONFIG } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { eventsFor } from '../support/webhookEvents.js';

const DAY = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`customer rating (${dialect})`, () => {
    let t: TestApp;
    const clock = new FakeClock();
    let root: number;
    let ana: number;
    const db = () => t.ctx.handle.db;
    const ticket = async (id: number) => (await findTicketById(db(), id))!;
    const summary = async () => (await db().selectFrom('csat_summary').select(['agent_id', 'rated', 'good']).orderBy('agent_id').execute()).map((r) => ({ agent_id: Number(r.agent_id), rated: Number(r.rated), good: Number(r.good) }));

    /** The email of `kind` the ticket's customer got (text body), newest first. */
    async function mailText(id: number, kind: 'closed' | 'reply'): Promise<{ text: string; html: string }> {
      const row = await db().selectFrom('outbox').select(['text_body', 'html_body']).where('ticket_id', '=', id).where('kind', '=', kind).orderBy('id', 'desc').executeTakeFirstOrThrow();
      return { text: row.text_body, html: row.html_body };
    }
    /** The path of the Good or Bad link in an email's text. */
    function linkIn(text: string, score: 'good' | 'bad'): string {
      const match = new RegExp(`^${score === 'good' ? 'Good' : 'Bad'}: (\\S+)$`, 'm').exec(text);
      if (!match) throw new Error(`no ${score} link in:\n${text}`);
      expect(match[1]!.startsWith(`${TEST_CONFIG.publicUrl}/tickets/rate/`)).toBe(true);
      return match[1]!.slice(TEST_CONFIG.publicUrl.length);
    }
    /** A ticket held by Ana and closed by her; returns its id and its closed email's links. */
    async function closedTicket(): Promise<{ id: number; good: string; bad: string }> {
      const id = await newTicket(t.ctx);
      await reassignTicket(t.ctx, root, id, 'ana');
      await closeTicket(t.ctx, { id: ana, role: 'agent' }, id);
      const { text } = await mailText(id, 'closed');
      return { id, good: linkIn(text, 'good'), bad: linkIn(text, 'bad') };
    }
    const pageOf = (link: string) => link.split('?')[0]!;
    async function rate(client: Client, link: string, fields: Record<string, string>) {
      const page = await client.get(link);
      expect(page.statusCode).toBe(200);
      return client.post(pageOf(link), { ...fields, _csrf: csrfFrom(page.body) });
    }
    const rated = async (id: number) => {
      const row = await ticket(id);
      return { csat_score: row.csat_score, csat_comment: row.csat_comment, csat_rated_at: row.csat_rated_at === null ? null : Number(row.csat_rated_at) };
    };

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      root = await addStaff(t.ctx, 'root', { role: 'admin' });
      ana = await addStaff(t.ctx, 'ana', { capacity: 50 });
    });
    afterAll(async () => t?.close());

    it('the closed email asks "How did we do?" with a Good and a Bad link to the same token', async () => {
      const { id, good, bad } = await closedTicket();
      const { text, html } = await mailText(id, 'closed');
      expect(text).toContain('How did we do?');
      expect(good).toMatch(/^\/tickets\/rate\/[^/]+\/\?score=good$/);
      expect(bad).toBe(good.replace('score=good', 'score=bad'));
      expect(html).toContain(`href="${TEST_CONFIG.publicUrl}${good}"`);
      // The token is the ticket's, and the status token is nowhere in it.
      const row = await ticket(id);
      expect(pageOf(good)).toBe(`/tickets/rate/${csatToken(row)}/`);
      expect(good).not.toContain(row.token);
    });

    it('the GET shows a one-click confirm form with the score chosen and writes nothing', async () => {
      const { id, good, bad } = await closedTicket();
      const client = new Client(t.app);
      for (const link of [good, bad, good]) {
        const page = await client.get(link);
        expect(page.statusCode).toBe(200);
        expect(page.headers['cache-control']).toBe('no-store');
        const score = link.endsWith('good') ? 'good' : 'bad';
        expect(page.body).toMatch(new RegExp(`value="${score}" checked`));
        expect(page.body).toContain(`action="${pageOf(link)}"`);
        expect(visibleText(page)).toContain('How did we do?');
      }
      expect(await rated(id)).toEqual({ csat_score: null, csat_comment: null, csat_rated_at: null });
      expect((await summary()).reduce((n, r) => n + r.rated, 0)).toBe(0);
    });

    it('the POST records the rating and its comment, and the summary counts it for the agent', async () => {
      const { id, good } = await closedTicket();
      const client = new Client(t.app);
      const response = await rate(client, good, { score: 'good', comment: '  Quick and kind.  ' });
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe(pageOf(good));
      expect(await rated(id)).toEqual({ csat_score: 'good', csat_comment: 'Quick and kind.', csat_rated_at: clock.now() });
      expect(await summary()).toEqual([{ agent_id: ana, rated: 1, good: 1 }]);
      const after = await client.get(pageOf(good));
      expect(visibleText(after)).toContain('Thank you! Your rating is recorded.');
      expect(visibleText(after)).toContain('You rated it Good');
    });

    it('each rating and each change enqueues one csat.rated webhook with the ticket and the rating, in its transaction', async () => {
      const endpoint = (await createEndpoint(t.ctx, null, { url: 'https://hooks.example.com/csat', events: ['csat.rated'] }, false)).id;
      try {
        const { id, good, bad } = await closedTicket();
        const client = new Client(t.app);
        const deliveries = async () =>
          (await eventsFor(db(), endpoint)).map((d) => ({ event: d.event, body: JSON.parse(d.payload) as { type: string; data: { ticket: { reference: string }; rating: unknown } } }));
        expect(await deliveries()).toEqual([]);
        await rate(client, good, { score: 'good', comment: 'Fast.' });
        await rate(client, bad, { score: 'bad' });
        // A refused rating (a bad score) writes no event.
        const page = await client.get(good);
        expect((await client.post(pageOf(good), { score: 'meh', _csrf: csrfFrom(page.body) })).statusCode).toBe(400);
        const sent = await deliveries();
        expect(sent.map((d) => [d.event, d.body.type, d.body.data.ticket.reference])).toEqual([
          ['csat.rated', 'csat.rated', `HD-${id}`],
          ['csat.rated', 'csat.rated', `HD-${id}`],
        ]);
        expect(sent.map((d) => d.body.data.rating)).toEqual([
          { score: 'good', comment: 'Fast.', rated_at: new Date(clock.now()).toISOString() },
          { score: 'bad', comment: null, rated_at: new Date(clock.now()).toISOString() },
        ]);
      } finally {
        await db().deleteFrom('webhook_endpoints').where('id', '=', endpoint).execute();
      }
    });

    it(`a rating can be changed within ${CSAT_CHANGE_DAYS} days of the close and not after`, async () => {
      const { id, good, bad } = await closedTicket();
      const client = new Client(t.app);
      const before = await summary();
      expect((await rate(client, good, { score: 'good' })).statusCode).toBe(303);
      clock.advance(CSAT_CHANGE_DAYS * DAY - 1000);
      const changed = await rate(client, bad, { score: 'bad', comment: 'On second thought, it broke again.' });
      expect(changed.statusCode).toBe(303);
      expect(await rated(id)).toEqual({ csat_score: 'bad', csat_comment: 'On second thought, it broke again.', csat_rated_at: clock.now() });
      const agentRow = (rows: Awaited<ReturnType<typeof summary>>) => rows.find((r) => r.agent_id === ana) ?? { rated: 0, good: 0 };
      expect(agentRow(await summary())).toMatchObject({ rated: agentRow(before).rated + 1, good: agentRow(before).good });

      clock.advance(2000);
      const page = await client.get(good);
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain('name="score"');
      expect(visibleText(page)).toContain('can be changed for 7 days');
      const csrf = csrfFrom((await client.get('/tickets/create/')).body);
      const late = await client.post(pageOf(good), { score: 'good', _csrf: csrf });
      expect(late.statusCode).toBe(400);
      expect(visibleText(late)).toContain('can no longer be changed');
      expect((await rated(id)).csat_score).toBe('bad');
      expect(agentRow(await summary())).toMatchObject({ rated: agentRow(before).rated + 1, good: agentRow(before).good });
    });

    it('an open ticket cannot be rated: GET and POST are 400 and nothing is written', async () => {
      const id = await newTicket(t.ctx);
      const link = `/tickets/rate/${csatToken(await ticket(id))}/`;
      const client = new Client(t.app);
      const page = await client.get(`${link}?score=good`);
      expect(page.statusCode).toBe(400);
      expect(visibleText(page)).toContain('still open');
      const csrf = csrfFrom((await client.get('/tickets/create/')).body);
      const post = await client.post(link, { score: 'good', _csrf: csrf });
      expect(post.statusCode).toBe(400);
      expect(visibleText(post)).toContain('still open');
      expect(await rated(id)).toEqual({ csat_score: null, csat_comment: null, csat_rated_at: null });
    });

    it('a forged, unknown or malformed token is a 404 on GET and POST, nothing written', async () => {
      const { id, good } = await closedTicket();
      const token = decodeURIComponent(pageOf(good).split('/')[3]!);
      const [ticketId, mac] = token.split('.') as [string, string];
      const forged = [
        `${ticketId}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
        `${ticketId}.${mac}x`,
        `${Number(ticketId) + 1000}.${mac}`,
        `${ticketId}.${(await ticket(id)).token}`,
        ticketId,
        'nonsense',
        `.${mac}`,
      ];
      const client = new Client(t.app);
      const csrf = csrfFrom((await client.get('/tickets/create/')).body);
      for (const bad of forged) {
        const path = `/tickets/rate/${encodeURIComponent(bad)}/`;
        const page = await client.get(`${path}?score=good`);
        expect(page.statusCode, bad).toBe(404);
        expect(visibleText(page)).toContain('could not find that rating link');
        expect((await client.post(path, { score: 'good', _csrf: csrf })).statusCode, bad).toBe(404);
      }
      expect((await rated(id)).csat_score).toBeNull();
    });

    it('a bad score, an over-long comment or no CSRF token are refused naming the field, nothing written', async () => {
      const { id, good } = await closedTicket();
      const client = new Client(t.app);
      const badLink = await client.get(pageOf(good) + '?score=excellent');
      expect(badLink.statusCode).toBe(400);
      expect(visibleText(badLink)).toContain('score must be good or bad');

      const noScore = await rate(client, good, { comment: 'hm' });
      expect(noScore.statusCode).toBe(400);
      expect(visibleText(noScore)).toContain('Rating: choose good or bad.');
      const wrongScore = await rate(client, good, { score: 'meh' });
      expect(wrongScore.statusCode).toBe(400);
      expect(visibleText(wrongScore)).toContain('Rating: choose good or bad.');
      const long = await rate(client, good, { score: 'bad', comment: 'x'.repeat(MAX_CSAT_COMMENT + 1) });
      expect(long.statusCode).toBe(400);
      expect(visibleText(long)).toContain(`Comment: the comment is too long: at most ${MAX_CSAT_COMMENT} characters.`);
      // The form comes back with what was typed.
      expect(long.body).toContain('value="bad" checked');
      // Binary junk in the comment is refused like in a message, not stored for staff to read.
      const junk = await rate(client, good, { score: 'bad', comment: 'slow \u001b[31mred\u0007' });
      expect(junk.statusCode).toBe(400);
      expect(visibleText(junk)).toContain('Comment: the comment holds characters that are not text.');
      const noCsrf = await client.post(pageOf(good), { score: 'good' });
      expect(noCsrf.statusCode).toBe(403);
      expect(await rated(id)).toEqual({ csat_score: null, csat_comment: null, csat_rated_at: null });
      // Exactly the limit is taken.
      expect((await rate(client, good, { score: 'bad', comment: 'y'.repeat(MAX_CSAT_COMMENT) })).statusCode).toBe(303);
      expect((await rated(id)).csat_comment).toHaveLength(MAX_CSAT_COMMENT);
    });

    it('the reply that closes the ticket asks too, with the same links', async () => {
      const id = await newTicket(t.ctx);
      await reassignTicket(t.ctx, root, id, 'ana');
      await postStaffMessage(t.ctx, { id: ana, role: 'agent' }, id, { kind: 'reply', body: 'Fixed: the toner was the problem.', close: true, seen: null, channel: 'web' });
      expect(await db().selectFrom('outbox').select('id').where('ticket_id', '=', id).where('kind', '=', 'closed').execute()).toEqual([]);
      const { text, html } = await mailText(id, 'reply');
      expect(text).toContain('How did we do?');
      const good = linkIn(text, 'good');
      expect(pageOf(good)).toBe(`/tickets/rate/${csatToken(await ticket(id))}/`);
      expect(html).toContain(`href="${TEST_CONFIG.publicUrl}${linkIn(text, 'bad')}"`);
      // An ordinary reply does not ask.
      const open = await newTicket(t.ctx);
      await reassignTicket(t.ctx, root, open, 'ana');
      await postStaffMessage(t.ctx, { id: ana, role: 'agent' }, open, { kind: 'reply', body: 'Looking into it.', close: false, seen: null, channel: 'web' });
      expect((await mailText(open, 'reply')).text).not.toContain('How did we do?');
    });

    it('staff see the rating and its comment on the agent and admin ticket pages', async () => {
      const { id, bad } = await closedTicket();
      const admin = new Client(t.app);
      await admin.login('root');
      const agent = new Client(t.app);
      await agent.login('ana');
      for (const client of [admin, agent]) {
        for (const path of [`/admin/tickets/${id}/`, `/agents/tickets/${id}/`]) {
          if (client === agent && path.startsWith('/admin')) continue;
          const page = await client.get(path);
          expect(page.statusCode, path).toBe(200);
          expect(visibleText(page), path).toContain('Customer rating Not rated');
        }
      }
      await rate(new Client(t.app), bad, { score: 'bad', comment: 'Took <b>three</b> days.' });
      for (const [client, path] of [
        [admin, `/admin/tickets/${id}/`],
        [admin, `/agents/tickets/${id}/`],
        [agent, `/agents/tickets/${id}/`],
      ] as const) {
        const page = await client.get(path);
        expect(visibleText(page), path).toContain('Customer rating Bad');
        expect(visibleText(page), path).toContain('Took <b>three</b> days.');
        expect(page.body).toContain('Took &lt;b>three&lt;/b> days.');
      }
    });
  });
}
