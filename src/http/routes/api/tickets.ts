import { actingOf } from '../../acting.js';
import type { FastifyInstance } from 'fastify';
import { teamFilterOf } from '../../../services/teams.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { adminsAreNoAgents } from '../../../core/checked.js';
import { invalidInput, notFound } from '../../../core/errors.js';
import { parsePosition, parseSearch, type SearchQuery } from '../../../core/search.js';
import { givenFilter, idFromReference, statusStateConflict, type TicketState, type TicketStatus } from '../../../core/tickets.js';
import { timelineOf } from '../../../repositories/events.js';
import { copiedAddresses } from '../../../repositories/ticketCcs.js';
import { findListedTicket, findVisibleTicket, listTickets, type TicketListRow, type Viewer } from '../../../repositories/ticketQueries.js';
import { findUserByUsername } from '../../../repositories/users.js';
import { reassignTicket, requeueTicket } from '../../../services/admin.js';
import type { ServiceContext } from '../../../services/context.js';
import type { TicketIntake } from '../../../services/intake.js';
import { closeTicket } from '../../../services/tickets.js';
import { apiUserOf } from '../../api-auth.js';
import { ApiError, errorResponses } from '../../api-schemas.js';
import { AssignBody, CreatedTicket, NewTicket, ReferenceParams, Ticket, TicketExportQuery, TicketList, TicketListQuery, TicketWithEvents } from '../../api-schemas-tickets.js';
import { decodeCursor, eventJson, newTicketJson, pageOf, ticketJson } from '../../api-shapes.js';
import type { RouteLimits } from '../../app.js';
import { sendCsv } from '../../csv.js';
import { exportFilename } from '../../../core/csvExport.js';
import type { Db } from '../../../db/connect.js';
import type { TicketFilter } from '../../../repositories/adminLists.js';
import { recordExport, ticketsCsv } from '../../../services/csvExport.js';
import { z } from 'zod';

const security = [{ bearerAuth: [] }];

/** `POST /api/v1/tickets`: public, the customer form's rules, rate-limited like the form. */
export function publicTicketApiRoutes(app: FastifyInstance, ctx: ServiceContext, limits: RouteLimits, intake: TicketIntake): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/tickets',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Create a ticket',
        description:
          'Public, like the customer form, with the same fields and rules; rate-limited per client address. Routed at once (R1). ' +
          'The description becomes the first message of the thread, with channel `api`.',
        body: NewTicket,
        response: {
          201: CreatedTicket.describe('The new ticket, with the customer\'s status token'),
          ...errorResponses(400, 413, 415, 429),
          // No token is needed, but an inbound-mail one is refused as on every route (it may only deliver mail).
          403: ApiError.describe('An inbound-mail token was sent: it may only deliver mail (send no token, or another one)'),
        },
      },
      onRequest: limits.ticketCreation,
    },
    async (request, reply) => {
      const ticket = await intake.submit(request.body, { channel: 'api' });
      // The ticket as its transaction committed it, with the names that transaction read under its
      // lock; only a ticket found stored after a failed write comes without them and is read again.
      const row = ticket.names
        ? { ...ticket, ...ticket.names }
        : ((await findListedTicket(ctx.handle.db, ticket.id)) ?? { ...ticket, agent_username: null, team_name: null, topic_name: null });
      return reply.status(201).send({ ...newTicketJson(row, ctx.publicUrl, ctx.clock.now()), token: ticket.token });
    },
  );
}

/** A visible ticket by reference, or 404 (a ticket the caller may not see does not exist for it). */
export async function visibleTicket(ctx: ServiceContext, viewer: Viewer, reference: string): Promise<TicketListRow> {
  const id = idFromReference(reference);
  const row = id === null ? undefined : await findVisibleTicket(ctx.handle.db, viewer, id);
  if (!row) throw notFound('Ticket');
  return row;
}

/** `q` as a search, or a 400 naming `q` with what is wrong with it. */
function searchOf(q: string | undefined): SearchQuery | undefined {
  if (q === undefined || q.trim() === '') return undefined;
  const parsed = parseSearch(q);
  if (!parsed.ok) throw invalidInput({ q: parsed.message });
  return parsed.query;
}

/**
 * The list's filters that name something: the agent and team must exist, `q` must be a search (else
 * a 400 naming it). An empty one filters nothing.
 */
async function namedFilters(db: Db, query: { status?: TicketStatus | undefined; state?: TicketState | undefined; agent?: string | undefined; team?: string | undefined; q?: string | undefined }) {
  const conflict = statusStateConflict(query.status, query.state);
  if (conflict !== null) throw invalidInput({ state: conflict });
  const username = givenFilter(query.agent);
  const agent = username === undefined ? undefined : await findUserByUsername(db, username);
  if (username !== undefined && !agent) throw invalidInput({ agent: 'No staff account has this username.' });
  // An admin holds no ticket (§12): its list would be empty for a reason the caller should hear, as
  // every other field naming an agent says.
  if (agent?.role === 'admin') throw invalidInput({ agent: adminsAreNoAgents([agent.username]) });
  return { agent, team: await teamFilterOf(db, query.team), search: searchOf(query.q) };
}

/** Staff ticket routes; behind requireBearer. */
export function ticketApiRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = ctx.handle.db;

  r.get(
    '/tickets',
    {
      schema: {
        tags: ['tickets'],
        summary: 'List tickets',
        description:
          'Newest first; with `q`, the best matches first (README, "Search"). An agent sees its own tickets and the pending ones; an admin sees all. Filters combine (AND). ' +
          'Follow `next_cursor` until it is null to walk the whole list. ' +
          'A 400 names each bad parameter (`fields`): one it does not know, a value out of its set, an `agent` or `team` nobody has, an `agent` who is an admin, ' +
          'a `state` contradicting `status`, a `q` that cannot be searched, a `cursor` that is not one; a list that comes back empty is a real answer, never a typo.',
        security,
        querystring: TicketListQuery,
        response: { 200: TicketList.describe('One page of tickets'), ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const viewer = apiUserOf(request);
      const query = request.query;
      const { agent, team, search } = await namedFilters(db, query);
      const now = ctx.clock.now();
      const rows = await listTickets(db, viewer, {
        status: query.status,
        state: query.state,
        priority: query.priority,
        agentId: agent?.id,
        ...(team ? { teamId: team.id } : {}),
        breached: query.breached,
        search,
        beforeId: query.cursor === undefined ? undefined : decodeCursor(query.cursor, search ? parsePosition : undefined),
        limit: query.limit,
        now,
      });
      return pageOf(rows, query.limit, (row) => ticketJson(row, ctx.publicUrl, now), (row) => row.position);
    },
  );

  r.get(
    '/tickets/export',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Export tickets as CSV',
        description:
          'Admins only. Every ticket `GET /api/v1/tickets` would list under the same filters (all its pages, in its order), as one CSV file, ' +
          'streamed: UTF-8 with a byte order mark, a header row, CRLF records quoted as RFC 4180 says, times in ISO 8601 UTC, and any text ' +
          "starting with =, +, -, @, a tab or a carriage return prefixed with ' so a spreadsheet does not run it (README, \"Export\"). " +
          'Each export is recorded in the audit log (`export.tickets`, with the parameters asked). ' +
          'A 400 names each bad parameter, as the list does (an unknown one, an `agent` or `team` nobody has or an admin, a `state` contradicting `status`, …), and nothing is exported.',
        security,
        querystring: TicketExportQuery,
        response: {
          200: { description: 'The tickets, one CSV record each after the header', content: { 'text/csv': { schema: z.string() } } },
          ...errorResponses(400, 401, 403),
        },
      },
      config: { apiRoles: ['admin'] },
      // GET only: a HEAD would run the export for nothing and record an export that sent no row.
      exposeHeadRoute: false,
    },
    async (request, reply) => {
      const query = request.query;
      const { agent, team, search } = await namedFilters(db, query);
      const filter: TicketFilter = {
        ...(query.status && { status: query.status }),
        ...(query.state && { state: query.state }),
        ...(query.priority && { priority: query.priority }),
        ...(agent && { agent: agent.username }),
        // By id: a name is read back as an id when it is all digits (findTeamByNameOrId), which may be another team's.
        ...(team && { team: String(team.id) }),
        ...(query.breached !== undefined && { breached: query.breached }),
        ...(search && { search }),
      };
      await recordExport(ctx, actingOf(request), 'tickets', { ...query });
      const now = ctx.clock.now();
      return sendCsv(reply, exportFilename('tickets', now), ticketsCsv(db, filter, now));
    },
  );

  r.get(
    '/tickets/:reference',
    {
      schema: {
        tags: ['tickets'],
        summary: 'One ticket with its events',
        security,
        params: ReferenceParams,
        response: { 200: TicketWithEvents.describe('The ticket and its timeline, oldest first'), ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const row = await visibleTicket(ctx, apiUserOf(request), request.params.reference);
      const [events, cc] = await Promise.all([timelineOf(db, row.id), copiedAddresses(db, row.id)]);
      return { ...ticketJson(row, ctx.publicUrl, ctx.clock.now()), cc, events: events.map(eventJson) };
    },
  );

  r.post(
    '/tickets/:reference/close',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Close a ticket (R4)',
        description:
          'Its agent or an admin. The customer is emailed, then the agent pulls from the queue (R2) or balances (R3). ' +
          'Closing a closed ticket changes nothing and answers it as it is.',
        security,
        params: ReferenceParams,
        response: { 200: Ticket.describe('The ticket, closed'), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const viewer = apiUserOf(request);
      const row = await visibleTicket(ctx, viewer, request.params.reference);
      await closeTicket(ctx, { ...actingOf(request), role: viewer.role }, row.id);
      return ticketJson((await findVisibleTicket(db, viewer, row.id)) ?? row, ctx.publicUrl, ctx.clock.now());
    },
  );

  r.post(
    '/tickets/:reference/assign',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Assign a ticket, or send it back to the queue (R6)',
        description:
          'Admins only. `{"agent": "username"}` gives the open ticket to that active agent, even beyond its capacity. ' +
          '`{"agent": null}` sends it back to the queue, from which routing may give it at once to an agent with room. ' +
          'Same events and emails as automatic moves. A closed ticket cannot be assigned (409).',
        security,
        params: ReferenceParams,
        body: AssignBody,
        response: { 200: Ticket.describe('The ticket where it is now'), ...errorResponses(400, 401, 403, 404, 409) },
      },
      config: { apiRoles: ['admin'] },
    },
    async (request) => {
      const viewer = apiUserOf(request);
      const row = await visibleTicket(ctx, viewer, request.params.reference);
      const { agent } = request.body;
      if (agent === null) await requeueTicket(ctx, actingOf(request), row.id);
      else await reassignTicket(ctx, actingOf(request), row.id, agent);
      return ticketJson((await findVisibleTicket(db, viewer, row.id)) ?? row, ctx.publicUrl, ctx.clock.now());
    },
  );
}
