/**
 * Live updates for staff pages over Server-Sent Events: `GET /agents/events/`. Each committed
 * change the hub hears (from this process or, on PostgreSQL, from any other) is forwarded to the
 * streams allowed to see it. Events only say that something changed; the page then fetches the
 * current state as usual, so nothing here can show a ticket to someone who may not see it.
 *
 *   event: ticket    data: {"ticketId":7,"type":"assigned","fromAgentId":null,"toAgentId":2}
 *   event: presence  data: {"agentId":2,"presence":"away"}
 *   event: resync    data: {}        (events may have been missed: refetch)
 *   event: logout    data: {}        (the session ended: the stream closes for good)
 *
 * A staff ticket page opens `GET /agents/events/?ticket=<id>` (§9 collision): besides everything
 * above, the stream then carries every change of that ticket (a pending ticket's included, which an
 * agent's stream would not otherwise hear), and who else has it open, at once and at every change:
 *
 *   event: viewers   data: {"ticketId":7,"viewers":[{"userId":3,"name":"Ben"}]}
 *
 * Only someone who may see the ticket can watch it (an agent: its own and pending ones; an admin:
 * all); the check is repeated at every heartbeat and at every change of the ticket, and a viewer
 * who lost the ticket (it went to another agent) leaves the board and is told an empty list.
 */
import type { FastifyInstance } from 'fastify';
import { maySee } from '../../core/conversation.js';
import { invalidInput, notFound } from '../../core/errors.js';
import { parseId } from '../../core/tickets.js';
import type { Viewer } from '../../core/viewers.js';
import type { ChangeHub, LiveEvent } from '../../live/hub.js';
import type { OpenPages } from '../../live/openPages.js';
import { ViewerBoard, type Watching } from '../../live/viewerBoard.js';
import { findTicketById } from '../../repositories/tickets.js';
import { authenticate, type StaffUser } from '../../services/auth.js';
import type { ServiceContext } from '../../services/context.js';
import { sendError } from '../errors.js';
import { SESSION_COOKIE } from '../session.js';

export interface LiveRouteOptions {
  hub: ChangeHub;
  /** The session idle limit, re-checked at every heartbeat (which is not activity: see countsAsActivity). */
  idleMinutes: number;
  /** A comment line this often keeps proxies from closing an idle stream (default 15 s). */
  heartbeatMs?: number;
  /** Auto-away: each open stream is an open page of its viewer (src/live/openPages.ts). */
  openPages?: OpenPages;
}

/**
 * Whom an event concerns: an admin sees every change; an agent its own tickets and its presence;
 * anyone the changes of the ticket it watches (`watching`, checked visible). Viewing announcements
 * never go out as they are: streams hear the `viewers` list made from them.
 */
export function visibleTo(viewer: { id: number; role: 'agent' | 'admin' }, event: LiveEvent, watching: number | null = null): boolean {
  if (event.kind === 'viewing') return false;
  if (viewer.role === 'admin' || event.kind === 'resync') return true;
  if (event.kind === 'presence') return event.agentId === viewer.id;
  return event.fromAgentId === viewer.id || event.toAgentId === viewer.id || event.ticketId === watching;
}

/** One Server-Sent Events message. */
export function sseMessage(event: LiveEvent): string {
  if (event.kind === 'resync') return 'event: resync\ndata: {}\n\n';
  const { kind, ...data } = event;
  return `event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The `viewers` message of a watched ticket. */
export function viewersMessage(ticketId: number, viewers: readonly Viewer[]): string {
  return `event: viewers\ndata: ${JSON.stringify({ ticketId, viewers })}\n\n`;
}

/** Whether `viewer` may watch ticket `id` now: it exists and they may see it (§9). */
async function mayWatch(ctx: ServiceContext, viewer: StaffUser, id: number): Promise<boolean> {
  const ticket = await findTicketById(ctx.handle.db, id);
  return ticket !== undefined && maySee(viewer, { status: ticket.status, agentId: ticket.agent_id });
}

// A browser that stops reading (a frozen tab) must not make the server buffer without bound: past
// this, its stream is closed and EventSource reconnects (and the page refetches) when it wakes.
const MAX_BUFFERED_BYTES = 256 * 1024;

export function liveRoutes(app: FastifyInstance, ctx: ServiceContext, options: LiveRouteOptions): void {
  const { hub, idleMinutes } = options;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const open = new Set<() => void>();
  const board = new ViewerBoard(hub, { heartbeatMs });

  // Streams never end by themselves: close them before the server waits for its connections,
  // so app.close() (and a graceful shutdown) does not hang. Browsers reconnect elsewhere.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  app.addHook('onClose', async () => board.close());

  app.get<{ Querystring: { ticket?: unknown } }>('/agents/events/', { config: { background: true } }, async (request, reply) => {
    const viewer = request.viewer;
    const token = request.cookies[SESSION_COOKIE];
    if (!viewer || !token) return sendError(request, reply, 401, 'unauthenticated', 'Log in to receive live updates.');
    let ticketId: number | null = null;
    if (request.query.ticket !== undefined) {
      ticketId = typeof request.query.ticket === 'string' ? parseId(request.query.ticket) : null;
      if (ticketId === null) throw invalidInput({ ticket: 'Not a ticket id.' }, 'ticket must be a ticket id.');
      // Not found and not visible answer alike: a stream does not tell which tickets exist.
      if (!(await mayWatch(ctx, viewer, ticketId))) throw notFound('Ticket');
    }

    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
      // The stream is the whole life of the connection; when it ends the socket may go too.
      connection: 'close',
    });

    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      watching?.leave();
      closePage();
      unsubscribe();
      clearInterval(heartbeat);
      open.delete(end);
      raw.end();
    };
    const send = (text: string) => {
      if (ended) return;
      raw.write(text);
      if (raw.writableLength > MAX_BUFFERED_BYTES) end();
    };

    // The watched ticket while the viewer may still see it; then null (and off the board).
    let watched = ticketId;
    let watching: Watching | null = null;
    const stopWatching = () => {
      if (watched === null) return;
      watching?.leave();
      send(viewersMessage(watched, []));
      watched = null;
      watching = null;
    };
    const recheckWatch = () => {
      const id = watched;
      if (id === null) return;
      mayWatch(ctx, viewer, id).then(
        (still) => {
          if (!still && watched === id) stopWatching();
        },
        (error: unknown) => request.log.warn({ err: error }, 'live stream: ticket check failed'),
      );
    };

    const closePage = options.openPages?.open(viewer.id) ?? (() => undefined);
    const unsubscribe = hub.subscribe((event) => {
      if (!visibleTo(viewer, event, watched)) return;
      send(sseMessage(event));
      // The ticket may have gone to someone else: ask again.
      if (event.kind === 'ticket' && event.ticketId === watched) recheckWatch();
    });
    const heartbeat = setInterval(() => {
      send(`: heartbeat ${new Date().toISOString()}\n\n`);
      recheckWatch();
      // A stream outlives nothing it depends on: when the session ends, so does the stream. An open
      // stream is not somebody at work, so the check never keeps the session alive.
      authenticate(ctx, token, { idleMinutes, countsAsActivity: false }).then(
        (still) => {
          if (!still && !ended) {
            send('event: logout\ndata: {}\n\n');
            end();
          }
        },
        (error: unknown) => request.log.warn({ err: error }, 'live stream: session check failed'),
      );
    }, heartbeatMs);
    heartbeat.unref();
    open.add(end);
    raw.on('close', end);

    send(`retry: 3000\nevent: hello\ndata: ${JSON.stringify({ userId: viewer.id, role: viewer.role })}\n\n`);
    if (ticketId !== null) {
      const id = ticketId;
      watching = board.watch({ ticketId: id, userId: viewer.id, name: viewer.displayName }, (viewers) => send(viewersMessage(id, viewers)));
      // Ended while joining (a stream that could not take even the first list): off the board too.
      if (ended) watching.leave();
    }
  });
}
