import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../core/errors.js';
import { timelineOf } from '../../repositories/events.js';
import { findTicketByToken } from '../../repositories/tickets.js';
import { findUserById } from '../../repositories/users.js';
import type { ServiceContext } from '../../services/context.js';
import type { TicketIntake } from '../../services/intake.js';
import { renderPage } from '../../views/render.js';
import { TicketCreatePage, TicketStatusPage, TicketSuccessPage } from '../../views/tickets.js';
import { formBody, keptValues, sendHtml } from '../forms.js';
import { readForm } from '../uploads.js';
import type { RouteLimits } from '../app.js';

const TICKET_FIELDS = ['name', 'email', 'title', 'description', 'priority'] as const;

/** Customer pages: the form, the confirmation, the status page (§1). */
export function ticketRoutes(app: FastifyInstance, ctx: ServiceContext, limits: RouteLimits, intake: TicketIntake): void {
  app.get('/', async (_request, reply) => reply.redirect('/tickets/create/', 302));

  app.get('/tickets/create/', async (_request, reply) => sendHtml(reply, renderPage(TicketCreatePage({ values: {}, errors: {}, csrf: reply.generateCsrf() }))));

  app.post('/tickets/create/', { onRequest: limits.ticketCreation, preHandler: app.csrfProtection }, async (request, reply) => {
    // Files that break §10.1 come back as the form with its message (413 or 400), like bad fields.
    const body = formBody(request.body);
    try {
      const { fields, files } = await readForm(request);
      const ticket = await intake.submit(fields, { files });
      return reply.redirect(`/tickets/createsuccess/?t=${encodeURIComponent(ticket.token)}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError) || (error.code !== 'invalid_input' && error.code !== 'payload_too_large')) throw error;
      const page = TicketCreatePage({ values: keptValues(body, TICKET_FIELDS), errors: error.fields, csrf: reply.generateCsrf() });
      return sendHtml(reply, renderPage(page), error.code === 'payload_too_large' ? 413 : 400);
    }
  });

  app.get<{ Querystring: { t?: string } }>('/tickets/createsuccess/', async (request, reply) => {
    const token = typeof request.query.t === 'string' ? request.query.t : '';
    const ticket = token ? await findTicketByToken(ctx.handle.db, token) : undefined;
    if (!ticket) throw new DomainError('not_found', 'We could not find that request. Check the link in your confirmation email.');
    const agent = ticket.agent_id === null ? undefined : await findUserById(ctx.handle.db, ticket.agent_id);
    return sendHtml(reply, renderPage(TicketSuccessPage({ ticket, agentName: agent?.display_name ?? null, now: ctx.clock.now() })));
  });

  app.get<{ Params: { token: string } }>('/tickets/status/:token/', async (request, reply) => {
    const ticket = await findTicketByToken(ctx.handle.db, request.params.token);
    if (!ticket) throw new DomainError('not_found', 'We could not find that request. Check the link in your email.');
    const agent = ticket.agent_id === null ? undefined : await findUserById(ctx.handle.db, ticket.agent_id);
    const timeline = await timelineOf(ctx.handle.db, ticket.id);
    reply.header('cache-control', 'no-store');
    return sendHtml(reply, renderPage(TicketStatusPage({ ticket, agentName: agent?.display_name ?? null, timeline, now: ctx.clock.now() })));
  });
}
