/**
 * The audit log's date filter (SPEC §15, README "Audit log") bounds its walk of the log by id: the
 * newest entry more than the clock margin before `from` and the oldest more than the margin after
 * `to` (each a seek of audit_log_by_at) bound the ids, and the exact `at` filter stays on top. It
 * used to walk the log by id from the newest entry down to the range (bench/audit.ts: one day ten
 * days into a log of 1,000,000 entries, 544 ms on SQLite, 228–321 ms on PostgreSQL). The lists stay
 * exact — every entry of the range, none outside, by id, page after page both ways, with the who and
 * action filters too — when entries were written out of `at` order, within the margin.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_CLOCK_MARGIN_MS } from '../../src/core/audit.js';
import { type AuditFilter, auditPageQuery, listAuditPage } from '../../src/repositories/auditLog.js';
import { createApiToken } from '../../src/services/tokens.js';
import { ApiClient, walk } from '../api/support.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { planText } from '../support/plan.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** 1 December 2026, 00:00 UTC: the log's first entry is a little after. */
const T0 = Date.UTC(2026, 11, 1);
const COUNT = 400;

/**
 * Entry i of the log, in the order written (id order): one every 10 minutes, each `at` moved by up to
 * 25 minutes either way (a fixed pseudo-random jitter), so neighbours' `at` cross each other's all
 * along the log, every two entries within 50 minutes of the order of ids: inside the margin.
 */
function entry(i: number) {
  const jitter = (((i * 7919) % 51) - 25) * MINUTE;
  const kind = i % 4;
  const failed = kind === 3;
  return {
    at: T0 + 30 * MINUTE + i * 10 * MINUTE + jitter,
    actor_id: failed ? null : 100 + (i % 2),
    actor_name: failed ? '' : i % 2 === 0 ? 'ana' : 'bo',
    action: failed ? 'sign_in.failed' : kind === 0 ? 'sign_in' : kind === 1 ? 'user.update' : 'user.deactivate',
    subject: failed ? (i % 3 === 0 ? 'ana' : 'bo') : 'user:5',
    address: '',
    before_json: null,
    after_json: null,
  };
}

for (const dialect of DIALECTS) {
  describe(`the audit log's date filter (${dialect})`, () => {
    let t: TestApp;
    let api: ApiClient;
    let log: { id: number; at: number; actor_name: string; action: string; subject: string; actor_id: number | null }[];
    const db = () => t.ctx.handle.db;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      const rootId = await addStaff(t.ctx, 'root', { role: 'admin' });
      api = new ApiClient(t.app, (await createApiToken(t.ctx, rootId, 'audit script')).token);
      await db().deleteFrom('audit_log').execute();
      await db()
        .insertInto('audit_log')
        .values(Array.from({ length: COUNT }, (_, i) => entry(i)))
        .execute();
      // Analysed, as a live log is: SQLite's planner once preferred a whole scan to an index by `at` after it.
      await sql`analyze`.execute(db());
      log = (await db().selectFrom('audit_log').select(['id', 'at', 'actor_name', 'action', 'subject', 'actor_id']).orderBy('id').execute()).map((r) => ({ ...r, at: Number(r.at) }));
      // The log is out of `at` order, and only within the margin.
      expect(log.some((r, i) => i > 0 && r.at < log[i - 1]!.at)).toBe(true);
      expect(Math.max(...log.map((r, i) => Math.max(0, ...log.slice(i + 1).map((later) => r.at - later.at))))).toBeLessThan(AUDIT_CLOCK_MARGIN_MS);
    });
    afterAll(() => t.close());

    /** What the filter must list, newest first: the oracle, straight from the rows. */
    const expected = (filter: AuditFilter) =>
      log
        .filter((r) => (filter.from === undefined || r.at >= filter.from) && (filter.to === undefined || r.at < filter.to))
        .filter((r) => filter.action === undefined || r.action === filter.action || r.action.startsWith(`${filter.action}.`))
        .filter((r) => filter.actor === undefined || (r.actor_id !== null && r.actor_name === filter.actor) || (r.actor_id === null && r.action === 'sign_in.failed' && r.subject === filter.actor))
        .map((r) => r.id)
        .reverse();

    /** Every page of `filter`, older page after older page, then back up by `before` from the last. */
    async function walkBothWays(filter: AuditFilter, limit: number): Promise<{ down: number[]; up: number[] }> {
      const pages: number[][] = [];
      let after: number | undefined;
      for (;;) {
        const page = await listAuditPage(db(), filter, { limit, ...(after === undefined ? {} : { after }) });
        pages.push(page.rows.map((r) => r.id));
        if (page.nextAfter === null) break;
        after = page.nextAfter;
      }
      const up = [...pages.at(-1)!];
      let before = pages.length > 1 ? up[0] : undefined;
      while (before !== undefined) {
        const page = await listAuditPage(db(), filter, { limit, before });
        up.unshift(...page.rows.map((r) => r.id));
        before = page.prevBefore ?? undefined;
      }
      return { down: pages.flat(), up };
    }

    const ranges: [string, AuditFilter][] = [
      ['a day inside the log', { from: T0 + DAY, to: T0 + 2 * DAY }],
      ['two hours', { from: T0 + 10 * 60 * MINUTE + 7 * MINUTE, to: T0 + 12 * 60 * MINUTE + 7 * MINUTE }],
      ['from only', { from: T0 + 2 * DAY + 13 * MINUTE }],
      ['to only', { to: T0 + 9 * 60 * MINUTE }],
      ['from before the log, to inside', { from: T0 - DAY, to: T0 + 5 * 60 * MINUTE }],
      ['from inside, to after the log', { from: T0 + 2 * DAY, to: T0 + 30 * DAY }],
      ['a range after the log', { from: T0 + 20 * DAY, to: T0 + 21 * DAY }],
      ['a minute with one entry or none', { from: T0 + 30 * 60 * MINUTE, to: T0 + 30 * 60 * MINUTE + 10 * MINUTE }],
    ];

    it.each(ranges)('%s: every entry with `at` in the range, none outside, by id, page after page both ways', async (_name, range) => {
      for (const filter of [range, { ...range, actor: 'ana' }, { ...range, action: 'user' }, { ...range, action: 'sign_in.failed', actor: 'bo' }]) {
        const want = expected(filter);
        for (const limit of [3, 50]) {
          const { down, up } = await walkBothWays(filter, limit);
          expect(down, `${JSON.stringify(filter)} by ${limit}`).toEqual(want);
          expect(up, `${JSON.stringify(filter)} by ${limit}, back up`).toEqual(want);
        }
      }
    });

    it('the API with days: the same entries', async () => {
      const ids = async (query: string) => (await walk<{ id: number }>(api, `/api/v1/audit?${query}&limit=9`)).items.map((i) => i.id);
      expect(await ids('from=2026-12-02&to=2026-12-02')).toEqual(expected({ from: T0 + DAY, to: T0 + 2 * DAY }));
      expect(await ids('from=2026-12-03&actor=bo')).toEqual(expected({ from: T0 + 2 * DAY, actor: 'bo' }));
    });

    /**
     * The scans of the log itself (not the bounds' seeks, aliased `a`, `b`, `m`) in `filter`'s first
     * page's plan, each with its index condition: every one must be bounded by the date's ids.
     */
    async function logScans(filter: AuditFilter): Promise<{ plan: string; scans: string[] }> {
      const plan = await planText(db(), dialect, auditPageQuery(db(), filter, null, 'desc', 51).compile());
      const lines: string[] = JSON.parse(plan).map((row: Record<string, string>) => (dialect === 'sqlite' ? row.detail : row['QUERY PLAN']));
      if (dialect === 'sqlite') return { plan, scans: lines.filter((line) => /^(SEARCH|SCAN) audit_log\b/.test(line)) };
      return { plan, scans: lines.flatMap((line, i) => (/Scan[^(]* on audit_log(?: audit_log_\d+)? {2}\(/.test(line) ? [`${line.trim()} ${lines[i + 1]!.trim()}`] : [])) };
    }

    it.each([
      ['a range', { from: T0 + DAY, to: T0 + 2 * DAY }, 'rowid>? AND rowid<?', /Cond: \(\(id >= COALESCE\(\$\d+, 0\)\) AND \(id <= COALESCE\(\$\d+, \$\d+\)\)\)/],
      ['from only', { from: T0 + DAY }, 'rowid>?', /Cond: \(id >= COALESCE\(\$\d+, 0\)\)/],
      ['to only', { to: T0 + DAY }, 'rowid<?', /Cond: \(id <= COALESCE\(\$\d+, \$\d+\)\)/],
    ] as [string, AuditFilter, string, RegExp][])('plans %s as a walk of the primary key between two seeks of the index by at', async (_name, filter, sqliteRange, pgCond) => {
      const { plan, scans } = await logScans(filter);
      expect(scans).toHaveLength(1);
      if (dialect === 'sqlite') {
        expect(scans[0]).toBe(`SEARCH audit_log USING INTEGER PRIMARY KEY (${sqliteRange})`);
        expect(plan).toMatch(/SEARCH [ab] USING COVERING INDEX audit_log_by_at \(at[<>]=?\?\)/);
        expect(plan).not.toMatch(/TEMP B-TREE/);
      } else {
        // PostgreSQL picks a backward walk, or on a small table a bitmap of the same id range: bounded either way.
        expect(scans[0]).toMatch(/^-> {2}(Index Scan Backward using audit_log_pkey on audit_log|Bitmap Heap Scan on audit_log) /);
        expect(scans[0]).toMatch(pgCond);
        expect(plan).toMatch(/Index Only Scan (Backward )?using audit_log_by_at on audit_log [ab] /);
        expect(plan).not.toMatch(/Seq Scan/);
      }
    });

    it('plans the date filter with an action and a who as walks bounded by the same ids', async () => {
      const { plan, scans } = await logScans({ from: T0 + DAY, to: T0 + 2 * DAY, action: 'user', actor: 'ana' });
      expect(scans.length).toBeGreaterThan(5);
      if (dialect === 'sqlite') for (const scan of scans) expect(scan).toMatch(/^SEARCH audit_log USING INDEX audit_log_by_(action|actor_name) \((action|actor_name)=\? AND id>\? AND id<\?\)$/);
      else for (const scan of scans) expect(scan).toMatch(/id >= COALESCE\(\$\d+, 0\)\) AND \(id <= COALESCE\(\$\d+, \$\d+\)\)/);
      expect(plan).not.toMatch(/SCAN audit_log|Seq Scan/);
    });
  });
}
