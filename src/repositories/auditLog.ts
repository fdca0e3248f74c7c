/** The audit log's list (SPEC §15): /admin/audit/ and GET /api/v1/audit, newest first, keyset pages by id. */
import { type Selectable, sql } from 'kysely';
import type { Db } from '../db/connect.js';
import type { AuditLogTable } from '../db/schema.js';
import { type Page, type PageRequest, type PageSource, paginate } from './adminLists.js';

export interface AuditFilter {
  /** The acting staff member's username. */
  actor?: string;
  /** An action (`user.create`), or a family: `user` matches `user` and every `user.…`. */
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

/** The log's entries under `filter`, by id; `at` a number on both engines. */
export function auditSource(db: Db, filter: AuditFilter): PageSource<AuditRow> {
  const base = () => {
    let q = db.selectFrom('audit_log');
    if (filter.actor !== undefined) q = q.where('actor_name', '=', filter.actor).where('actor_id', 'is not', null);
    if (filter.action !== undefined) {
      const action = filter.action;
      // `x.…` by its first characters: no LIKE (its `_` is a wildcard), no collation-bound range.
      const family = `${action}.`;
      q = q.where((eb) => eb.or([eb('action', '=', action), eb(sql<string>`substr(action, 1, ${sql.lit(family.length)})`, '=', family)]));
    }
    if (filter.from !== undefined) q = q.where('at', '>=', filter.from);
    if (filter.to !== undefined) q = q.where('at', '<', filter.to);
    return q;
  };
  return {
    fetch: async (cursor, order, limit) => {
      const rows = await base()
        .selectAll()
        .$if(cursor !== null, (q) => q.where('id', cursor!.op, cursor!.id))
        .orderBy('id', order)
        .limit(limit)
        .execute();
      return rows.map((r) => ({ ...r, at: Number(r.at) }));
    },
    exists: async (op, id) => (await base().select('id').where('id', op, id).limit(1).executeTakeFirst()) !== undefined,
  };
}
