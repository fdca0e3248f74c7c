/** The audit log's list (SPEC §15): /admin/audit/ and GET /api/v1/audit, newest first, keyset pages by id. */
import type { Selectable } from 'kysely';
import { auditActionsOf } from '../core/audit.js';
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
 * The log's entries under `filter`, unordered, as one query per index walk: an action filter is one
 * per action it stands for (core auditActionsOf: a family is its actions, each read by
 * audit_log_by_action), and the "who" filter two per action (what the account did, by `actor_name`;
 * the refused sign-ins that named it, by `subject` and action: migration 2026-12-21T0930), the
 * second only where the actions include refused sign-ins.
 */
function auditParts(db: Db, filter: AuditFilter) {
  let q = db.selectFrom('audit_log');
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
