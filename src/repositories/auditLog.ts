/** The audit log's list (SPEC §15): /admin/audit/ and GET /api/v1/audit, newest first, keyset pages by id. */
import { type Selectable, sql } from 'kysely';
import { auditActionsOf, auditIdThresholds } from '../core/audit.js';
import type { Db } from '../db/connect.js';
import type { AuditLogTable } from '../db/schema.js';
import { type Cursor, type Page, type PageRequest, type PageSource, paginate } from './adminLists.js';

/** The action of a refused sign-in (services/auth.ts recordFailedSignIn). */
const FAILED_SIGN_IN = 'sign_in.failed';

export interface AuditFilter {
  /** A staff member's username: what they did, and the refused sign-ins that named it. */
  actor?: string;
  /** An action (`user.create`), or a family: `user` matches `user` and every `user.…` (core auditActionsOf). */
  action?: string;
  /** at ≥ from (epoch ms). */
  from?: number;
  /** at < to (epoch ms). */
  to?: number;
}

export type AuditRow = Selectable<AuditLogTable>;

/** One keyset page of /admin/audit/. */
export async function listAuditPage(db: Db, filter: AuditFilter, request: PageRequest): Promise<Page<AuditRow>> {
  return paginate(request, auditSource(db, filter));
}

/**
 * The log, its ids bounded to where `filter`'s date range can be (core auditIdThresholds): each
 * part's walk by id (the primary key, or an index by action, name or subject then id) starts and
 * stops inside the range instead of walking from the newest entry down to it and, for a range with
 * fewer entries than a page, on to the oldest. The bounds are the ids of the newest entry more than
 * the clock margin before `from` and of the oldest more than the margin after `to`, each one seek of
 * audit_log_by_at (migration 2026-12-23T0900), evaluated once per query. The exact `at` filter stays
 * on top, so an entry written out of `at` order within the margin is still found, and none outside
 * the range is listed. (The lowest and highest id with `at` in the range would bound it tighter and
 * need no margin, but finding them reads every index entry of the range: the whole log for "since
 * last year", where the newest page now costs a page.) An open side is no bound.
 */
function auditIdRange(db: Db, filter: AuditFilter) {
  const { below, above } = auditIdThresholds(filter);
  return db
    .selectFrom('audit_log')
    .$if(below !== undefined, (q) =>
      q.where('id', '>=', (eb) => eb.fn.coalesce(eb.selectFrom('audit_log as b').select('b.id').where('b.at', '<', below!).orderBy('b.at', 'desc').limit(1), sql.lit(0))),
    )
    .$if(above !== undefined, (q) =>
      q.where('id', '<=', (eb) =>
        eb.fn.coalesce(eb.selectFrom('audit_log as a').select('a.id').where('a.at', '>=', above!).orderBy('a.at').limit(1), eb.selectFrom('audit_log as m').select((m) => m.fn.max('m.id').as('id'))),
      ),
    );
}

/**
 * The log's entries under `filter`, unordered, as one query per index walk: an action filter is one
 * per action it stands for (core auditActionsOf: a family is its actions, each read by
 * audit_log_by_action), and the "who" filter two per action (what the account did, by `actor_name`;
 * the refused sign-ins that named it, by `subject` and action: migration 2026-12-21T0930), the
 * second only where the actions include refused sign-ins.
 */
function auditParts(db: Db, filter: AuditFilter) {
  let q = auditIdRange(db, filter);
  if (filter.from !== undefined) q = q.where('at', '>=', filter.from);
  if (filter.to !== undefined) q = q.where('at', '<', filter.to);
  const actions = filter.action === undefined ? [undefined] : auditActionsOf(filter.action);
  return actions.flatMap((action) => {
    const of = action === undefined ? q : q.where('action', '=', action);
    if (filter.actor === undefined) return [of];
    // Nobody was signed in at a refused sign-in: the username typed is its subject.
    const refused = action === undefined || action === FAILED_SIGN_IN ? [q.where('subject', '=', filter.actor).where('action', '=', FAILED_SIGN_IN).where('actor_id', 'is', null)] : [];
    return [of.where('actor_name', '=', filter.actor).where('actor_id', 'is not', null), ...refused];
  });
}

/**
 * One page of the log under `filter` after `cursor`, in `order` of id: each part walks its index in
 * id order and stops at `limit` (a union of such walks, one per action and half of the who filter,
 * then the page of them), so a page costs the same however long the log, however busy the staff
 * member and however rare the action.
 */
export function auditPageQuery(db: Db, filter: AuditFilter, cursor: Cursor, order: 'asc' | 'desc', limit: number) {
  const [first, ...rest] = auditParts(db, filter).map((part) =>
    part
      .selectAll()
      .$if(cursor !== null, (q) => q.where('id', cursor!.op, cursor!.id))
      .orderBy('id', order)
      .limit(limit),
  );
  if (rest.length === 0) return first!;
  const union = rest.reduce((all, part) => all.unionAll(db.selectFrom(part.as('part')).selectAll()), db.selectFrom(first!.as('part')).selectAll());
  return union.orderBy('id', order).limit(limit);
}

/** The log's entries under `filter`, by id; `at` a number on both engines. */
export function auditSource(db: Db, filter: AuditFilter): PageSource<AuditRow> {
  return {
    fetch: async (cursor, order, limit) => (await auditPageQuery(db, filter, cursor, order, limit).execute()).map((r) => ({ ...r, at: Number(r.at) })),
    exists: async (op, id) => {
      for (const part of auditParts(db, filter)) if ((await part.select('id').where('id', op, id).limit(1).executeTakeFirst()) !== undefined) return true;
      return false;
    },
  };
}
