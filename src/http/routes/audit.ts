/**
 * The audit log (SPEC §15) at `/admin/audit/`: every admin action and sign-in, newest first, in
 * keyset pages, filtered by who, action and dates (a bad filter is a 400 naming it). Admin only.
 */
import type { FastifyInstance } from 'fastify';
import { listAuditPage } from '../../repositories/auditLog.js';
import type { ServiceContext } from '../../services/context.js';
import { AuditListPage } from '../../views/admin/index.js';
import { renderPage } from '../../views/render.js';
import { takeFlash } from '../flash.js';
import { sendHtml } from '../forms.js';
import { adminOnly } from '../session.js';
import { parseAuditQuery, type Query } from './adminFilters.js';

export function auditRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.register(async (admin) => {
    adminOnly(admin);
    admin.get('/admin/audit/', async (request, reply) => {
      const parsed = parseAuditQuery(request.query as Query);
      const ok = Object.keys(parsed.errors).length === 0;
      const page = ok ? await listAuditPage(ctx.handle.db, parsed.filter, parsed.page) : { rows: [], nextAfter: null, prevBefore: null };
      const base = { viewer: request.viewer!, csrf: reply.generateCsrf(), flash: takeFlash(request, reply) };
      return sendHtml(reply, renderPage(AuditListPage({ ...base, page, values: parsed.values, errors: parsed.errors })), ok ? 200 : 400);
    });
  });
}
