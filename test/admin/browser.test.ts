/**
 * The /admin/ data browser's lists: filters in any letter case, search that treats %, _ and ' as
 * plain characters, keyset pages walked both ways, and the email retry action.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertTickets } from '../../src/repositories/tickets.js';
import { addStaff, type Client, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, newTicket, rowIds, visibleText } from './support.js';

const HOUR = 3_600_000;
const NOV_20 = Date.UTC(2026, 10, 20);
const SLA = { high: 60_000, medium: 240_000, low: HOUR };

interface Fixture {
  id: number;
  title: string;
  email: string;
  priority: 'high' | 'medium' | 'low';
  status: 'open' | 'closed';
  agent: 'alice' | 'bob' | null;
  created: number;
  closed: number | null;
  due: number;
}

const SPECIAL_TITLES: Record<number, string> = {
  1: '50% off coupon fails',
  2: 'under_score in my name',
  3: "It's broken",
  4: 'PRINTER jam',
  5: 'printer smoke',
  7: 'Backslash \\ in path',
};

/** 24 tickets, four a day from 20 to 25 November, in every combination the filters care about. */
function fixtures(): Omit<Fixture, 'id'>[] {
  return Array.from({ length: 24 }, (_, i) => {
    const priority = (['high', 'medium', 'low'] as const)[i % 3]!;
    const created = NOV_20 + i * 6 * HOUR;
    const status = i % 3 === 0 || i % 5 === 0 ? 'closed' : 'open';
    const agent = status === 'closed' ? (i % 2 === 0 ? 'alice' : 'bob') : i % 4 === 1 ? null : i % 2 === 0 ? 'alice' : 'bob';
    // Even closed tickets in 30 s (in time for every priority), odd ones after 2 h (late for all).
    const closed = status === 'closed' ? created + (i % 2 === 0 ? 30_000 : 2 * HOUR) : null;
    return { title: SPECIAL_TITLES[i] ?? `Ticket number ${i}`, email: i === 6 ? 'Someone@Example.ORG' : `c${i}@mail.test`, priority, status, agent, created, closed, due: created + SLA[priority] };
  });
}

function idsOn(response: LightMyRequestResponse): number[] {
  return rowIds(response.body);
}

function linkOn(response: LightMyRequestResponse, rel: 'next' | 'prev'): string | null {
  const match = new RegExp(`<a href="([^"]+)" rel="${rel}"`).exec(response.body);
  return match ? match[1]!.replace(/&amp;/g, '&') : null;
}

for (const dialect of DIALECTS) {
  describe(`the data browser's lists (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let tickets: Fixture[];
    const clock = new FakeClock(); // 27 November 2026, 09:00 UTC: past every fixture's deadline
    const now = clock.now();

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      const ids = { alice: await addStaff(t.ctx, 'alice'), bob: await addStaff(t.ctx, 'bob') };
      admin = (await adminClient(t)).client;
      tickets = [];
      let n = 0;
      for (const f of fixtures()) {
        const [row] = await insertTickets(t.ctx.handle.db, [{
          token: `fixture-${n++}`,
          customer_name: 'Customer',
          customer_email: f.email,
          title: f.title,
          description: 'Fixture',
          priority: f.priority,
          status: f.status,
          agent_id: f.agent === null ? null : ids[f.agent],
          created_at: f.created,
          assigned_at: f.agent === null ? null : f.created,
          closed_at: f.closed,
          sla_due_at: f.due,
          sla_breached_at: null,
        }]);
        tickets.push({ ...f, id: row!.id });
      }
    });
    afterAll(() => t.close());

    const breached = (f: Fixture) => (f.status === 'open' ? now > f.due : f.closed! > f.due);
    const expectIds = (predicate: (f: Fixture) => boolean) =>
      tickets
        .filter(predicate)
        .map((f) => f.id)
        .sort((a, b) => b - a);
    const list = async (query: string) => {
      const response = await admin.get(`/admin/tickets/?per_page=200&${query}`);
      expect(response.statusCode, query).toBe(200);
      return idsOn(response);
    };

    it('lists every ticket, newest first', async () => {
      expect(await list('')).toEqual(expectIds(() => true));
    });

    it('filters status, state and priority in any letter case', async () => {
      for (const status of ['open', 'Open', 'OPEN']) expect(await list(`status=${status}`)).toEqual(expectIds((f) => f.status === 'open'));
      expect(await list('status=CLOSED')).toEqual(expectIds((f) => f.status === 'closed'));
      expect(await list('state=Pending')).toEqual(expectIds((f) => f.status === 'open' && f.agent === null));
      expect(await list('state=OPEN')).toEqual(expectIds((f) => f.status === 'open' && f.agent !== null));
      expect(await list('priority=HIGH')).toEqual(expectIds((f) => f.priority === 'high'));
      expect(await list('priority=Low&state=closed')).toEqual(expectIds((f) => f.priority === 'low' && f.status === 'closed'));
    });

    it('filters by agent username in any letter case, by breach, and by creation date range', async () => {
      expect(await list('agent=ALICE')).toEqual(expectIds((f) => f.agent === 'alice'));
      // An agent nobody is: refused by its field (unknown-filters.test.ts), not an empty list.
      expect((await admin.get('/admin/tickets/?agent=nobody')).statusCode).toBe(400);
      expect(await list('breached=yes')).toEqual(expectIds(breached));
      expect(await list('breached=No')).toEqual(expectIds((f) => !breached(f)));
      expect(expectIds((f) => !breached(f)).length).toBeGreaterThan(0);
      // 22 to 23 November, both days included.
      expect(await list('from=2026-11-22&to=2026-11-23')).toEqual(expectIds((f) => f.created >= Date.UTC(2026, 10, 22) && f.created < Date.UTC(2026, 10, 24)));
      expect(await list('from=2026-11-25')).toEqual(expectIds((f) => f.created >= Date.UTC(2026, 10, 25)));
      expect(await list('to=2026-11-20&agent=bob')).toEqual(expectIds((f) => f.created < Date.UTC(2026, 10, 21) && f.agent === 'bob'));
    });

    it('answers 400 with a message next to a filter it cannot read, and lists nothing', async () => {
      const response = await admin.get('/admin/tickets/?status=maybe&from=2026-02-30&priority=urgent');
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatch(/id="status-error"[^>]*>Choose open or closed/);
      expect(response.body).toMatch(/id="from-error"[^>]*>Enter a date/);
      expect(response.body).toMatch(/id="priority-error"/);
      expect(idsOn(response)).toEqual([]);
      expect((await admin.get('/admin/tickets/?from=2026-11-25&to=2026-11-24')).statusCode).toBe(400);
      expect((await admin.get('/admin/tickets/?per_page=0')).statusCode).toBe(400);
    });

    it('searches (README, "Search"): any letter case, punctuation literally, what cannot be searched answered 400 next to the field', async () => {
      expect(await list('q=printer')).toEqual(expectIds((f) => /printer/i.test(f.title)));
      expect((await list('q=PRINTER')).length).toBe(2);
      expect(await list('q=example.org')).toEqual(expectIds((f) => f.email === 'Someone@Example.ORG'));
      expect(await list('q=someone%40example.org')).toEqual(expectIds((f) => f.email === 'Someone@Example.ORG'));
      expect(await list(`q=${encodeURIComponent('"50%"')}`)).toEqual(expectIds((f) => f.title.includes('50%')));
      expect(await list('q=under_score')).toEqual(expectIds((f) => f.title.includes('under_score')));
      // As wildcards these would match "under_score" and "printer"; as plain characters nothing has them.
      expect(await list('q=und_r')).toEqual([]);
      expect(await list('q=p%25r')).toEqual([]);
      expect(await list(`q=${encodeURIComponent("it's")}`)).toEqual(expectIds((f) => f.title === "It's broken"));
      expect(await list(`q=${encodeURIComponent("'; drop table tickets; --")}`)).toEqual([]);
      expect(await list(`q=${encodeURIComponent('"h \\ in"')}`)).toEqual(expectIds((f) => f.title.includes('h \\ in')));
      // Still all there.
      expect((await list('')).length).toBe(24);
      const page = await admin.get(`/admin/tickets/?q=${encodeURIComponent("It's")}`);
      expect(page.body).toMatch(/name="q"[^>]*value="It&#39;s"|name="q"[^>]*value="It's"/);
      for (const q of ['%', '_', '\\', '-printer', '""', 'a\u0000b']) {
        const refused = await admin.get(`/admin/tickets/?q=${encodeURIComponent(q)}`);
        expect(refused.statusCode, q).toBe(400);
        // (A NUL anywhere in a query string is refused before any page: src/http/app.ts.)
        if (!q.includes('\u0000')) expect(refused.body, q).toMatch(/at least 3 letters or digits|not only what to leave out/);
      }
    });

    it('walks the list page by page with keyset cursors, forwards and back, without duplicates or gaps', async () => {
      const all = expectIds(() => true);
      const pages: number[][] = [];
      let url: string | null = '/admin/tickets/?per_page=5';
      let previous: string | null = null;
      while (url) {
        const response = await admin.get(url);
        expect(response.statusCode, url).toBe(200);
        pages.push(idsOn(response));
        if (pages.length === 1) expect(linkOn(response, 'prev')).toBeNull();
        else expect(linkOn(response, 'prev')).toMatch(/before=/);
        previous = url;
        url = linkOn(response, 'next');
        if (url) expect(url).toMatch(/^\/admin\/tickets\/\?per_page=5&after=\d+$/);
      }
      expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 4]);
      expect(pages.flat()).toEqual(all);
      // And back from the last page to the first through the "newer" links.
      const back: number[][] = [];
      url = previous;
      while (url) {
        const response = await admin.get(url);
        back.unshift(idsOn(response));
        url = linkOn(response, 'prev');
      }
      expect(back).toEqual(pages);
    });

    it('keeps the filters in the page links', async () => {
      const matching = expectIds((f) => f.status === 'open');
      const first = await admin.get('/admin/tickets/?status=Open&per_page=3');
      const next = linkOn(first, 'next')!;
      expect(next).toContain('status=Open');
      const second = await admin.get(next);
      expect([...idsOn(first), ...idsOn(second)]).toEqual(matching.slice(0, 6));
    });

    it('lists users with role, active and presence filters and a search', async () => {
      const response = await admin.get('/admin/users/?role=AGENT');
      expect(response.statusCode).toBe(200);
      expect(visibleText(response)).toMatch(/bob .* alice/);
      expect(visibleText(response)).not.toContain('root');
      expect(idsOn(await admin.get('/admin/users/?role=admin'))).toHaveLength(1);
      expect(idsOn(await admin.get('/admin/users/?q=ALI'))).toHaveLength(1);
      expect(idsOn(await admin.get('/admin/users/?q=%25'))).toHaveLength(0);
      expect(idsOn(await admin.get('/admin/users/?active=no'))).toHaveLength(0);
      expect(idsOn(await admin.get('/admin/users/?presence=Offline&role=agent'))).toHaveLength(2);
      expect((await admin.get('/admin/users/?role=boss')).statusCode).toBe(400);
    });

    it('lists events with type, ticket and agent filters', async () => {
      const id = await newTicket(t.ctx, { title: 'Live one' });
      const created = await admin.get(`/admin/events/?type=CREATED&ticket=hd-${id}`);
      expect(created.statusCode).toBe(200);
      expect(idsOn(created)).toHaveLength(1);
      expect(visibleText(created)).toContain(`HD-${id}`);
      expect(idsOn(await admin.get(`/admin/events/?ticket=${id}&type=closed`))).toEqual([]);
      expect(idsOn(await admin.get('/admin/events/?agent=alice'))).toEqual([]);
      expect((await admin.get('/admin/events/?type=exploded')).statusCode).toBe(400);
    });

    it('lists emails by status and lets an admin retry a failed one', async () => {
      const id = await newTicket(t.ctx, { title: 'Mail me' });
      const db = t.ctx.handle.db;
      const email = await db.selectFrom('outbox').select('id').where('ticket_id', '=', id).executeTakeFirstOrThrow();
      await db.updateTable('outbox').set({ status: 'failed', attempts: 6, last_error: '550 mailbox unavailable' }).where('id', '=', email.id).execute();

      const failed = await admin.get('/admin/emails/?status=FAILED');
      expect(idsOn(failed)).toEqual([email.id]);
      expect(idsOn(await admin.get(`/admin/emails/?ticket=HD-${id}&kind=created`))).toEqual([email.id]);
      expect(idsOn(await admin.get('/admin/emails/?q=MAIL%20ME'))).toEqual([email.id]);
      const detail = await admin.get(`/admin/emails/${email.id}/`);
      expect(visibleText(detail)).toContain('550 mailbox unavailable');
      expect(detail.body).toContain(`action="/admin/emails/${email.id}/retry/"`);

      const retry = await admin.submit(`/admin/emails/${email.id}/`, {}, `/admin/emails/${email.id}/retry/`);
      expect(retry.statusCode).toBe(303);
      const row = await db.selectFrom('outbox').select(['status', 'attempts', 'next_attempt_at']).where('id', '=', email.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'pending', attempts: 0, next_attempt_at: now });
      const after = await admin.get(`/admin/emails/${email.id}/`);
      expect(visibleText(after)).toContain('is queued again');
      expect(after.body).not.toContain('/retry/"');
      // Retrying an email that has not failed changes nothing.
      const again = await admin.submit(`/admin/emails/${email.id}/`, {}, `/admin/emails/${email.id}/retry/`);
      expect(again.statusCode).toBe(303);
      expect(visibleText(await admin.get(`/admin/emails/${email.id}/`))).toContain('nothing to retry');
    });
  });
}
