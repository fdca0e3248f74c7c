/**
 * How long one page of GET /api/v1/tickets takes over a big table, for each filter, at the first
 * page, halfway down and near the end (keyset cursors). Not a test; run by hand:
 *   npx tsx test/api/bench-list.ts sqlite|postgres [tickets, default 1 000 000]
 * Prints milliseconds and rows per query. 95 % of tickets closed (oldest), 0.1 % pending (newest),
 * ten agents of which one (u11) holds one ticket in 10 000.
 */
import { sql } from 'kysely';
import { freshDatabase } from '../support/db.js';
import { listTickets } from '../../src/repositories/ticketQueries.js';
import { parseSearch, type SearchQuery } from '../../src/core/search.js';
const search = (q: string): SearchQuery => {
  const parsed = parseSearch(q);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.query;
};
const dialect = (process.argv[2] ?? 'sqlite') as 'sqlite' | 'postgres';
const N = Number(process.argv[3] ?? 1_000_000);
const d = await freshDatabase(dialect);
const db = d.handle.db;
const now = Date.now();
for (let u = 1; u <= 11; u++) await db.insertInto('users').values({ username: `u${u}`, display_name: 'U', email: '', password_hash: 'x', role: u === 1 ? 'admin' : 'agent', capacity: null, presence: 'offline', last_assigned_at: null, active: 1, created_at: now }).execute();
const t0 = Date.now();
const series = dialect === 'sqlite'
  ? sql`with recursive s(i) as (select 1 union all select i + 1 from s where i < ${sql.lit(N)})`
  : sql`with s(i) as (select generate_series(1, ${sql.lit(N)}))`;
// agent: u2..u11 (ids 2..11) except u11 holds only every 10000th; 0.1% pending at the end; last 5% open.
await sql`${series}
insert into tickets (token, customer_name, customer_email, title, description, priority, status, agent_id, created_at, assigned_at, closed_at, sla_due_at, sla_breached_at)
select 'tok' || i, 'Customer', 'c' || i || '@example.com', 'Ticket about thing ' || i, 'd',
  case i % 3 when 0 then 'high' when 1 then 'medium' else 'low' end,
  case when i > ${sql.lit(N)} * 0.95 then 'open' else 'closed' end,
  case when i > ${sql.lit(N)} * 0.999 then null when i % 10000 = 0 then 11 else 2 + (i % 9) end,
  ${sql.lit(now)} - (${sql.lit(N)} - i) * 1000, null,
  case when i > ${sql.lit(N)} * 0.95 then null else ${sql.lit(now)} - (${sql.lit(N)} - i) * 1000 + 30000 + (i % 7) * 10000 end,
  ${sql.lit(now)} - (${sql.lit(N)} - i) * 1000 + 60000, null
from s`.execute(db);
if (dialect === 'postgres') await sql`analyze tickets`.execute(db); else await sql`analyze`.execute(db);
console.log(`${dialect}: seeded ${N} tickets in ${Date.now() - t0} ms`);
const admin = { id: 1, role: 'admin' as const };
const agent = { id: 5, role: 'agent' as const };
const rare = { id: 11, role: 'agent' as const };
const cases: [string, typeof admin | typeof agent, Partial<Parameters<typeof listTickets>[2]>][] = [
  ['admin all', admin, {}],
  ['admin status=open', admin, { status: 'open' }],
  ['admin state=pending', admin, { state: 'pending' }],
  ['admin state=open', admin, { state: 'open' }],
  ['admin priority=high', admin, { priority: 'high' }],
  ['admin agent=u11 (rare)', admin, { agentId: 11 }],
  ['admin agent=u5', admin, { agentId: 5 }],
  ['admin breached=true', admin, { breached: true }],
  ['admin breached=false', admin, { breached: false }],
  ['admin q=thing 12345', admin, { search: search('thing 12345') }],
  ['admin q=nomatch', admin, { search: search('nomatch') }],
  ['agent u5 view', agent, {}],
  ['agent u11 (rare) view', rare, {}],
  ['agent u11 closed', rare, { status: 'closed' }],
];
for (const [name, viewer, filter] of cases) {
  const times: string[] = [];
  for (const beforeId of [undefined, Math.floor(N / 2), 5000]) {
    const s = performance.now();
    const rows = await listTickets(db, viewer, { ...filter, beforeId, limit: 50, now });
    times.push(`${(performance.now() - s).toFixed(1)}ms(${rows.length})`);
  }
  console.log(name.padEnd(28), times.join('  '));
}
await d.drop();
