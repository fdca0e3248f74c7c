/** `GET /api/v1/audit` (§15): the audit log, newest first, with /admin/audit/'s filters. Admins only. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { invalidInput } from '../../../core/errors.js';
import { type AuditFilter, type AuditRow, listAuditPage } from '../../../repositories/auditLog.js';
import type { ServiceContext } from '../../../services/context.js';
import { AuditList, type AuditEntryJson, AuditQuery } from '../../api-schemas-audit.js';
import { errorResponses } from '../../api-schemas.js';
import { decodeCursor, encodeCursor, iso } from '../../api-shapes.js';

const DAY_MS = 86_400_000;

function auditJson(row: AuditRow): AuditEntryJson {
  return {
    id: row.id,
    at: iso(row.at),
    actor: row.actor_id === null ? null : { id: row.actor_id, username: row.actor_name },
    action: row.action,
    subject: row.subject,
    address: row.address,
    before: row.before_json === null ? null : (JSON.parse(row.before_json) as unknown),
    after: row.after_json === null ? null : (JSON.parse(row.after_json) as unknown),
  };
}

export function auditApiRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'The audit log',
        description:
          'Admins only. Every admin action and sign-in, newest first, with who, when, from where and what changed (secrets never appear). ' +
          'A 400 names each bad parameter (`fields`): one it does not know, an `action` the log does not record, a day that is not `YYYY-MM-DD`, `to` before `from`.',
        security: [{ bearerAuth: [] }],
        querystring: AuditQuery,
        response: { 200: AuditList.describe('One page of entries'), ...errorResponses(400, 401, 403) },
      },
      config: { apiRoles: ['admin'] },
    },
    async (request) => {
      const { actor, action, from, to, limit, cursor } = request.query;
      if (from !== undefined && to !== undefined && from > to) throw invalidInput({ to: 'The end date is before the start date.' });
      const filter: AuditFilter = { ...(actor && { actor }), ...(action && { action }), ...(from !== undefined && { from }), ...(to !== undefined && { to: to + DAY_MS }) };
      const page = await listAuditPage(ctx.handle.db, filter, { limit, ...(cursor === undefined ? {} : { after: decodeCursor(cursor) }) });
      return { items: page.rows.map(auditJson), next_cursor: page.nextAfter === null ? null : encodeCursor(page.nextAfter) };
    },
  );
}
