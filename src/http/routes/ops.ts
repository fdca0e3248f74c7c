import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { ping } from '../../db/connect.js';
import { countByState } from '../../repositories/stats.js';
import type { ServiceContext, TicketChange } from '../../services/context.js';

/** Prometheus metrics of one app instance (its own registry: no global state). */
export function createMetrics(ctx: ServiceContext) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'helpdesk_process_' });
  const httpDuration = new Histogram({
    name: 'helpdesk_http_request_duration_seconds',
    help: 'HTTP request duration by route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const ticketChanges = new Counter({ name: 'helpdesk_ticket_changes_total', help: 'Ticket events written by this process, by type.', labelNames: ['type'], registers: [registry] });
  new Gauge({
    name: 'helpdesk_tickets',
    help: 'Tickets by derived state (pending, open, closed).',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = await countByState(ctx.handle.db);
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  return {
    registry,
    httpDuration,
    recordChanges(changes: TicketChange[]) {
      for (const change of changes) ticketChanges.inc({ type: change.type });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** `/healthz` (checks the database) and `/metrics` (Prometheus). */
export function opsRoutes(app: FastifyInstance, ctx: ServiceContext, metrics: Metrics): void {
  app.get('/healthz', async (request, reply) => {
    try {
      await ping(ctx.handle.db);
      return reply.header('cache-control', 'no-store').send({ status: 'ok', database: 'ok' });
    } catch (error) {
      request.log.error({ err: error }, 'health check failed');
      return reply.status(503).send({ status: 'unavailable', database: 'unreachable' });
    }
  });

  app.get('/metrics', async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route.startsWith('/static/')) return;
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
