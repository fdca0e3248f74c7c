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
 */
import type { FastifyInstance } from 'fastify';
import type { ChangeHub, LiveEvent } from '../../live/hub.js';
import { authenticate } from '../../services/auth.js';
import type { ServiceContext } from '../../services/context.js';
import { sendError } from '../errors.js';
import { SESSION_COOKIE } from '../session.js';

export interface LiveRouteOptions {
  hub: ChangeHub;
  /** The session idle limit, re-checked at every heartbeat (which is not activity: see countsAsActivity). */
  idleMinutes: number;
  /** A comment line this often keeps proxies from closing an idle stream (default 15 s). */
  heartbeatMs?: number;
}

/** Whom an event concerns: an admin sees every change; an agent its own tickets and its presence. */
export function visibleTo(viewer: { id: number; role: 'agent' | 'admin' }, event: LiveEvent): boolean {
  if (viewer.role === 'admin' || event.kind === 'resync') return true;
  if (event.kind === 'presence') return event.agentId === viewer.id;
  return event.fromAgentId === viewer.id || event.toAgentId === viewer.id;
}

/** One Server-Sent Events message. */
export function sseMessage(event: LiveEvent): string {
  if (event.kind === 'resync') return 'event: resync\ndata: {}\n\n';
  const { kind, ...data } = event;
  return `event: ${kind}\ndata: ${JSON.stringify(data)}\n\n`;
}

// A browser that stops reading (a frozen tab) must not make the server buffer without bound: past
// this, its stream is closed and EventSource reconnects (and the page refetches) when it wakes.
const MAX_BUFFERED_BYTES = 256 * 1024;

export function liveRoutes(app: FastifyInstance, ctx: ServiceContext, options: LiveRouteOptions): void {
  const { hub, idleMinutes } = options;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const open = new Set<() => void>();

  // Streams never end by themselves: close them before the server waits for its connections,
  // so app.close() (and a graceful shutdown) does not hang. Browsers reconnect elsewhere.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get('/agents/events/', { config: { background: true } }, async (request, reply) => {
    const viewer = request.viewer;
    const token = request.cookies[SESSION_COOKIE];
    if (!viewer || !token) return sendError(request, reply, 401, 'unauthenticated', 'Log in to receive live updates.');

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

    const unsubscribe = hub.subscribe((event) => {
      if (visibleTo(viewer, event)) send(sseMessage(event));
    });
    const heartbeat = setInterval(() => {
      send(`: heartbeat ${new Date().toISOString()}\n\n`);
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
  });
}
