import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { withinMs } from '../../core/promises.js';
import { WAITING_COUNTED } from '../../core/webhooks.js';
import { ping } from '../../db/connect.js';
import { outboxBacklog } from '../../repositories/outbox.js';
import { countByState } from '../../repositories/stats.js';
import { webhookFigures } from '../../repositories/webhookFigures.js';
import type { Clock, ServiceContext, TicketChange } from '../../services/context.js';
import { ShortMemory } from '../../services/shortMemory.js';
import { bearerToken } from '../api-auth.js';

/**
 * How long a scrape's database figures are reused. Prometheus scrapes every 15 s or so, but several
 * scrapers (or a dashboard polling /metrics) must not each cost the database its reads.
 */
export const METRICS_CACHE_MS = 5_000;

/**
 * How long /healthz waits for the database's answer before it answers 503: a database that takes
 * connections and never answers (a host gone behind a firewall that drops packets) is unreachable
 * too. As long as load balancers' usual probe timeouts, so a slow moment under load is not called down.
 */
export const HEALTH_TIMEOUT_MS = 5_000;

/**
 * `load` remembered for `ttlMs` of `clock` (a ShortMemory of one value): callers arriving while it
 * runs share that one call, so at most one is in flight however many scrapes come together. A
 * failure is not remembered (every waiting caller gets it; the next call tries again).
 */
export function cachedFor<T>(clock: Clock, ttlMs: number, load: () => Promise<T>): () => Promise<T> {
  const memory = new ShortMemory<'value', T>({ ttlMs, clock });
  return () => memory.get('value', load);
}

/** What a scrape reads from the database, in three statements (see countByState, outboxBacklog and webhookFigures). */
async function readFigures(ctx: ServiceContext) {
  const now = ctx.clock.now();
  const [tickets, outbox, webhooks] = await Promise.all([countByState(ctx.handle.db), outboxBacklog(ctx.handle, now), webhookFigures(ctx.handle)]);
  const age = (at: number | null) => (at === null ? 0 : Math.max(0, (now - at) / 1000));
  return { tickets, outbox, oldestDueSeconds: age(outbox.oldestDueAt), webhooks: webhooks.map((w) => ({ ...w, oldestWaitingSeconds: age(w.oldestWaitingAt) })) };
}

type Figures = Awaited<ReturnType<typeof readFigures>>;

/**
 * Prometheus metrics of one app instance (its own registry: no global state). When the database
 * does not answer, a scrape still answers (then most needed: the 5xx counts, the process's own
 * figures) with `helpdesk_database_up` 0 and the database's figures left out (NaN for the one
 * without labels), never a 0 that reads as an empty outbox; `onReadError` hears why, once per read.
 */
export function createMetrics(ctx: ServiceContext, onReadError: (error: unknown) => void = () => undefined) {
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
  // A failed read (or one the database did not answer in time) is remembered like a good one: at
  // most one try per 5 s against a database that is down.
  const figures = cachedFor(ctx.clock, METRICS_CACHE_MS, () =>
    withinMs(readFigures(ctx), HEALTH_TIMEOUT_MS).catch((error: unknown) => {
      onReadError(error);
      return null;
    }),
  );
  new Gauge({
    name: 'helpdesk_database_up',
    help: "1 when this scrape read the database's figures, 0 when the database did not answer (they are then left out).",
    registers: [registry],
    async collect() {
      this.set((await figures()) === null ? 0 : 1);
    },
  });
  figureGauge(registry, figures, 'helpdesk_tickets', 'Tickets by derived state (pending, open, closed).', ['state'], (g, { tickets }) => {
    for (const [state, n] of Object.entries(tickets)) g.set({ state }, n);
  });
  figureGauge(
    registry,
    figures,
    'helpdesk_outbox_emails',
    'Outbox emails by status: pending (waiting for a first or next try), sending (claimed by a worker), failed (given up; retry them at /admin/emails/), bounced (sent, then reported undeliverable). Sent and logged emails are not counted.',
    ['status'],
    (g, { outbox }) => {
      for (const status of ['pending', 'sending', 'failed', 'bounced'] as const) g.set({ status }, outbox[status]);
    },
  );
  figureGauge(
    registry,
    figures,
    'helpdesk_outbox_oldest_due_seconds',
    'How long the longest-waiting email has been due (since its creation, its retry time, or the end of the lease of a worker that claimed it and died) without a worker taking it; 0 when none is due. Grows while no worker sends.',
    [],
    (g, { oldestDueSeconds }) => g.set(oldestDueSeconds),
  );
  webhookGauges(registry, figures);
  return {
    registry,
    httpDuration,
    recordChanges(changes: TicketChange[]) {
      for (const change of changes) ticketChanges.inc({ type: change.type });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * A gauge of the database's figures, set anew by each scrape (a label gone leaves no sample behind);
 * when they could not be read, no sample at all (NaN for a gauge without labels, which always has one).
 */
function figureGauge(registry: Registry, figures: () => Promise<Figures | null>, name: string, help: string, labelNames: string[], fill: (g: Gauge, figures: Figures) => void): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      const read = await figures();
      this.reset();
      if (read !== null) fill(this, read);
      else if (labelNames.length === 0) this.set(Number.NaN);
    },
  });
}

/**
 * The webhooks' gauges, per endpoint (a few, so a label each): its lane's waiting events and the
 * first one's age, its tries waiting to be retried, and the endpoints by state.
 */
function webhookGauges(registry: Registry, figures: () => Promise<Figures | null>): void {
  // Failing endpoints are active: their lanes go on.
  const withLanes = (webhooks: Figures['webhooks']) => webhooks.filter((w) => w.state === 'active' || w.state === 'failing');
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge, webhooks: Figures['webhooks']) => void) =>
    figureGauge(registry, figures, name, help, labelNames, (g, read) => fill(g, read.webhooks));
  gauge('helpdesk_webhook_endpoints', 'Webhook endpoints by state: active, failing (active, its tries failing since failing_since), disabled (by the system after a day of failures), off (by an admin).', ['state'], (g, webhooks) => {
    for (const state of ['active', 'failing', 'disabled', 'off'] as const) g.set({ state }, webhooks.filter((w) => w.state === state).length);
  });
  gauge('helpdesk_webhook_waiting', `Events waiting in each active endpoint's lane to be posted (counted up to ${WAITING_COUNTED}).`, ['endpoint'], (g, webhooks) => {
    for (const w of withLanes(webhooks)) g.set({ endpoint: String(w.id) }, w.waiting);
  });
  gauge('helpdesk_webhook_oldest_waiting_seconds', "How long the first event waiting in each active endpoint's lane has waited; 0 when none waits. Grows while no worker posts, or while the endpoint is slow.", ['endpoint'], (g, webhooks) => {
    for (const w of withLanes(webhooks)) g.set({ endpoint: String(w.id) }, w.oldestWaitingSeconds);
  });
  gauge('helpdesk_webhook_retries', "Each endpoint's failed tries waiting for their retry (pending) or being retried (sending).", ['endpoint', 'status'], (g, webhooks) => {
    for (const w of webhooks) for (const status of ['pending', 'sending'] as const) g.set({ endpoint: String(w.id), status }, w.retries[status]);
  });
}

/** Whether `given` is `expected`, in time that does not depend on where they differ (nor on their lengths). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * `/healthz` (checks the database answers and takes writes; always open, load balancers send no token) and `/metrics`
 * (Prometheus; behind `metricsToken` when one is set). The check reads through SQLite's reader
 * connection: on the writer it queued behind a write waiting for another process's lock, and the
 * process looked dead while it was only waiting.
 */
export function opsRoutes(app: FastifyInstance, ctx: ServiceContext, metrics: Metrics, options: { metricsToken?: string | undefined } = {}): void {
  app.get('/healthz', async (request, reply) => {
    try {
      const { readOnly } = await withinMs(ping(ctx.handle), HEALTH_TIMEOUT_MS);
      // Decision: a read-only database is unavailable (503): this process could show pages but not
      // take a ticket, a reply or a sign-in, and a balancer should send those where they succeed.
      if (readOnly) {
        request.log.error('health check: the database is read-only (a standby, or default_transaction_read_only)');
        return reply.status(503).header('cache-control', 'no-store').send({ status: 'unavailable', database: 'read-only' });
      }
      return reply.header('cache-control', 'no-store').send({ status: 'ok', database: 'ok' });
    } catch (error) {
      request.log.error({ err: error }, 'health check failed');
      return reply.status(503).header('cache-control', 'no-store').send({ status: 'unavailable', database: 'unreachable' });
    }
  });

  const { metricsToken } = options;
  app.get('/metrics', async (request, reply) => {
    if (metricsToken !== undefined) {
      const token = bearerToken(request.headers.authorization);
      if (token === null || !sameSecret(token, metricsToken)) {
        return reply
          .status(401)
          .header('www-authenticate', 'Bearer realm="metrics"')
          .type('text/plain; charset=utf-8')
          .send('Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.\n');
      }
    }
    return reply.header('cache-control', 'no-store').type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route.startsWith('/static/')) return;
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
