import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIORITIES } from '../../src/core/tickets.js';
import type { NewTicketRow } from '../../src/db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { seedTickets, staffWithToken, walk } from './support.js';

type Staff = Awaited<ReturnType<typeof staffWithToken>>;
type Seeded = Omit<NewTicketRow, 'token'> & { id: number };

const MINUTE = 60_000;
const TOTAL = 1000;

for (const dialect of DIALECTS) {
  describe(`GET /api/v1/tickets over ${TOTAL} tickets (${dialect})`, () => {
    const clock = new FakeClock();
    const now = clock.now();
    let t: TestApp;
    let admin: Staff;
    let alice: Staff;
    let bob: Staff;
    let seeded: Seeded[];

    beforeAll(async () => {
      t = await startTestApp(dialect, { clock });
      admin = await staffWithToken(t.app, t.ctx, 'root', { role: 'admin' });
      alice = await staffWithToken(t.app, t.ctx, 'alice');
      bob = await staffWithToken(t.app, t.ctx, 'bob');
      const rows: Omit<NewTicketRow, 'token'>[] = [];
      for (let i = 0; i < TOTAL; i++) {
        const agentId = [null, alice.id, bob.id, alice.id][i % 4]!;
        const closed = agentId !== null && i % 5 === 0;
        const createdAt = now - (TOTAL - i) * MINUTE;
        const special: Record<number, string> = { 500: 'Discount 100% off', 501: 'Discount 100 off', 502: 'broken under_score', 503: 'broken underXscore' };
        rows.push({
          customer_name: `Customer ${i}`,
          customer_email: i % 10 === 7 ? `VIP.${i}@Example.COM` : `c${i}@example.com`,
          title: special[i] ?? `Ticket number ${i}`,
          description: 'Seeded.',
          priority: PRIORITIES[i % 3]!,
          status: closed ? 'closed' : 'open',
          agent_id: agentId,
          created_at: createdAt,
          assigned_at: agentId === null ? null : createdAt + 1000,
          // Closed: half within their minute, half late. Open: every third one overdue.
          closed_at: closed ? createdAt + (i % 2 === 0 ? 30_000 : 120_000) : null,
          sla_due_at: closed ? createdAt + MINUTE : i % 3 === 0 ? now - 1 : now + 60 * MINUTE,
          sla_breached_at: null,
        });
      }
      const ids = await seedTickets(t.ctx, rows);
      seeded = rows.map((row, i) => ({ ...row, id: ids[i]! }));
    });
    afterAll(() => t.close());

    const reference = (row: { id: number }) => `HD-${row.id}`;
    const expected = (keep: (row: Seeded) => boolean) => seeded.filter(keep).sort((a, b) => b.id - a.id).map(reference);
    const breached = (row: Seeded) => (row.closed_at ?? now) > row.sla_due_at;
    const refsOf = (items: { reference: string }[]) => items.map((i) => i.reference);

    it('walks every ticket once, newest first, at any page size', async () => {
      const all = expected(() => true);
      for (const limit of [200, 137, undefined]) {
        const { items, pages } = await walk(admin.api, limit === undefined ? '/api/v1/tickets' : `/api/v1/tickets?limit=${limit}`);
        const refs = refsOf(items);
        expect(new Set(refs).size).toBe(TOTAL);
        expect(refs).toEqual(all);
        expect(pages).toBe(Math.ceil(TOTAL / (limit ?? 50)));
      }
    });

    it("walks an agent's view: its own tickets and the pending ones, merged in order", async () => {
      const { items } = await walk(alice.api, '/api/v1/tickets?limit=64');
      expect(refsOf(items)).toEqual(expected((r) => r.agent_id === alice.id || (r.status === 'open' && r.agent_id === null)));
      const { items: pendingOnly } = await walk(alice.api, '/api/v1/tickets?state=PENDING&limit=33');
      expect(refsOf(pendingOnly)).toEqual(expected((r) => r.status === 'open' && r.agent_id === null));
      const { items: closedOwn } = await walk(alice.api, '/api/v1/tickets?status=closed&limit=40');
      expect(refsOf(closedOwn)).toEqual(expected((r) => r.agent_id === alice.id && r.status === 'closed'));
      expect((await alice.api.get('/api/v1/tickets?agent=bob')).body).toEqual({ items: [], next_cursor: null });
    });

    const filters: [string, (row: Seeded) => boolean][] = [
      ['status=OPEN', (r) => r.status === 'open'],
      ['status=closed', (r) => r.status === 'closed'],
      ['state=pending', (r) => r.status === 'open' && r.agent_id === null],
      ['state=Open', (r) => r.status === 'open' && r.agent_id !== null],
      ['state=closed', (r) => r.status === 'closed'],
      ['priority=High', (r) => r.priority === 'high'],
      ['agent=BOB', (r) => r.agent_id === bob.id],
      ['breached=true', (r) => breached(r)],
      ['breached=FALSE', (r) => !breached(r)],
      ['q=vip', (r) => r.customer_email.toLowerCase().includes('vip')],
      ['q=example.com', () => true],
      ['q=%22100%25%22', (r) => r.title.includes('100%')],
      ['q=under_score', (r) => r.title.includes('under_score')],
      ['q=%22NUMBER%2099%22', (r) => r.title.includes('number 99')],
      ['status=open&priority=HIGH&agent=alice&breached=true', (r) => r.status === 'open' && r.priority === 'high' && r.agent_id === alice.id && breached(r)],
      ['state=closed&breached=true&priority=medium', (r) => r.status === 'closed' && breached(r) && r.priority === 'medium'],
    ];
    for (const [query, keep] of filters) {
      it(`filters ${query}, page by page`, async () => {
        const want = expected(keep);
        expect(want.length).toBeGreaterThan(0);
        const { items } = await walk(admin.api, `/api/v1/tickets?${query}&limit=97`);
        expect(refsOf(items)).toEqual(want);
      });
    }

    it('marks breached tickets in the items the same way the filter does', async () => {
      const { items } = await walk(admin.api, '/api/v1/tickets?limit=200');
      const byRef = new Map(seeded.map((r) => [reference(r), r]));
      for (const item of items) expect(item.sla_breached).toBe(breached(byRef.get(item.reference)!));
    });

    it('refuses bad list parameters with a message per field', async () => {
      const cases: [string, string][] = [
        ['limit=201', 'limit'],
        ['limit=0', 'limit'],
        ['limit=-5', 'limit'],
        ['limit=2.5', 'limit'],
        ['limit=ten', 'limit'],
        ['cursor=not-a-cursor!', 'cursor'],
        ['cursor=', 'cursor'],
        [`cursor=${Buffer.from('0').toString('base64url')}`, 'cursor'],
        ['status=half', 'status'],
        ['state=waiting', 'state'],
        ['priority=urgent', 'priority'],
        ['breached=maybe', 'breached'],
        ['agent=nobody', 'agent'],
        [`q=${'x'.repeat(201)}`, 'q'],
        ['status=open&status=closed', 'status'],
      ];
      for (const [query, field] of cases) {
        const response = await admin.api.get(`/api/v1/tickets?${query}`);
        expect(response.status, query).toBe(400);
        expect(response.body.error.code).toBe('invalid_input');
        expect(Object.keys(response.body.error.fields), query).toEqual([field]);
      }
      const both = await admin.api.get('/api/v1/tickets?limit=500&priority=x');
      expect(Object.keys(both.body.error.fields).sort()).toEqual(['limit', 'priority']);
    });
  });
}
