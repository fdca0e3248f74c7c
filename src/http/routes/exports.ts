/**
 * The CSV exports of the admin pages (README, "Export"): `/admin/tickets/export.csv` and
 * `/admin/audit/export.csv`, every row their lists show under the same filters (parsed by the
 * lists' own parsers; the page cursor and size are not filters and are ignored, even when the list
 * would refuse them), streamed. A bad filter is a 400 naming it, as on the list. Admin only; each export is in the audit log.
 */
import type { FastifyInstance } from 'fastify';
import { exportFilename } from '../../core/csvExport.js';
import { invalidInput } from '../../core/errors.js';
import { labelMessage } from '../../core/fieldErrors.js';
import { withUnattendedKinds } from '../../services/attention.js';
import type { ServiceContext } from '../../services/context.js';
import { auditCsv, recordExport, ticketsCsv } from '../../services/csvExport.js';
import { actingOf } from '../acting.js';
import { exportFilters } from '../../views/admin/frame.js';
import type { FormErrors } from '../../views/components.js';
import { sendCsv } from '../csv.js';
import { adminOnly } from '../session.js';
import { parseAuditQuery, parseTicketQuery, type Query, withKnownNames, withoutPaging } from './adminFilters.js';

/** A filter the list would refuse refuses the export too: a 400 whose message names each field. */
function refuseBadFilters(errors: FormErrors): void {
  const wrong = Object.entries(errors);
  if (wrong.length > 0) throw invalidInput(errors, `Not exported: ${wrong.map(([field, message]) => labelMessage(field, message)).join(' ')}`);
}

export function exportRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const db = ctx.handle.db;
  app.register(async (admin) => {
    adminOnly(admin);

    // GET only: a HEAD (which Fastify would answer with the GET handler, dropping the body) would
    // run the export's query for nothing and record an export that sent no row.
    admin.get('/admin/tickets/export.csv', { exposeHeadRoute: false }, async (request, reply) => {
      const parsed = await withKnownNames(db, parseTicketQuery(withoutPaging(request.query as Query)));
      refuseBadFilters(parsed.errors);
      await recordExport(ctx, actingOf(request), 'tickets', exportFilters(parsed.values));
      const now = ctx.clock.now();
      return sendCsv(reply, exportFilename('tickets', now), ticketsCsv(db, await withUnattendedKinds(db, parsed.filter, now), now));
    });

    admin.get('/admin/audit/export.csv', { exposeHeadRoute: false }, async (request, reply) => {
      const parsed = parseAuditQuery(withoutPaging(request.query as Query));
      refuseBadFilters(parsed.errors);
      await recordExport(ctx, actingOf(request), 'audit', exportFilters(parsed.values));
      return sendCsv(reply, exportFilename('audit', ctx.clock.now()), auditCsv(db, parsed.filter));
    });
  });
}
