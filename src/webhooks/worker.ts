/**
 * The webhook worker (SPEC §13): POSTs the events changes wrote, signed per the Standard Webhooks
 * spec, outside any request or transaction. It runs beside the email worker, so a dead endpoint
 * never delays an email; and within it each endpoint has its own lane (repositories/webhookLanes.ts)
 * and its own few slots: a round never waits for a slow endpoint, whose next events are claimed
 * only once its current ones are done, while the other endpoints' keep flowing. Failed tries are
 * retried from the delivery log (`webhook_deliveries`), claimed by the same rounds.
 */
import { Webhook } from 'standardwebhooks';
import { claimLeaseMs } from '../core/claims.js';
import { abortingAfter, eachAtMost } from '../core/promises.js';
import { RoundTimer } from '../jobs/roundTimer.js';
import { deliveryAfterFailure, endpointAfterFailure, isDelivered, loggedError, MAX_DELIVERY_ATTEMPTS } from '../core/webhooks.js';
import type { DbHandle } from '../db/connect.js';
import { Batcher } from '../db/batcher.js';
import { inTransaction } from '../db/transaction.js';
import { renderWebhookDisabled } from '../mail/templates/index.js';
import { STOP_GRACE_MS, type WorkerLogger } from '../mail/worker.js';
import { enqueueEmails } from '../repositories/outbox.js';
import { activeAdminRecipients } from '../repositories/sla.js';
import { type ClaimedLane, claimLanes, type LaneEvent, type LaneTry, settleLane } from '../repositories/webhookLanes.js';
import { type ClaimedDelivery, claimDueDeliveries, type DeliveredMark, markDelivered, recordDeliveryFailure } from '../repositories/webhookDeliveries.js';
import { disableEndpoint, noteEndpointFailing } from '../repositories/webhooks.js';
import type { Config } from '../config.js';
import { type Clock, systemClock } from '../services/context.js';
import { mailSite } from '../services/notifications.js';
import { WebhookClient } from './post.js';

export interface WebhookWorkerOptions {
  handle: DbHandle;
  clock: Clock;
  logger: WorkerLogger;
  /** Base of the link to the endpoint's page in the admins' email. */
  publicUrl: string;
  /** WEBHOOKS_ALLOW_PRIVATE=on: deliveries may go to loopback and private addresses. */
  allowPrivate: boolean;
  /** A POST unanswered after this is aborted and counted as a failed try. Default 10 s (§13). */
  timeoutMs?: number;
  /**
   * Deliveries of one endpoint claimed together, at most. Default 32: a claim is a round trip and a
   * commit, and under a steady stream every endpoint's claim is full, so its size sets how many
   * claims a delivery pays for.
   */
  perEndpoint?: number;
  /** Deliveries of one endpoint posted at once, at most (the rest of its claim waits its turn). Default 8. */
  postsPerEndpoint?: number;
  /** Deliveries claimed per round, at most. Default 100. */
  batchSize?: number;
  /** Wait between rounds when there is nothing to do. Default 1 s. */
  pollMs?: number;
  /**
   * After a nudge, wait this long for more changes before claiming, so that a burst of changes
   * is claimed (and its deliveries recorded) in a few transactions, not one each. Default 200 ms.
   */
  gatherMs?: number;
  /**
   * How long a claim holds before another worker may take the row (a worker that died mid-post
   * leaves it `sending`). Default: a timeout for each turn of an endpoint's claim (4 by default:
   * 32 claimed, 8 posted at once), two more for the records: 1 min. A post ends within a timeout.
   */
  leaseMs?: number;
}

export interface WebhookRound {
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
}

type Outcome = 'delivered' | 'retrying' | 'failed' | 'lost';

/** A delivery its endpoint answered with a 2xx, not yet recorded. */
interface Answered {
  row: ClaimedDelivery;
  status: number;
}

/** Posts webhook deliveries: `runOnce()` for one round waited for, `start()`/`stop()` for the loop. */
export class WebhookWorker {
  private readonly timeoutMs: number;
  private readonly perEndpoint: number;
  private readonly postsPerEndpoint: number;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly gatherMs: number;
  private readonly leaseMs: number;
  /** 2xx answers finishing together are recorded in one transaction (see markDelivered). */
  private readonly deliveredMarks: Batcher<DeliveredMark, boolean>;
  private readonly client: WebhookClient;
  /** Endpoints with deliveries in flight from this worker: none of theirs is claimed meanwhile. */
  private readonly busy = new Set<number>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private running = false;
  /** Aborted STOP_GRACE_MS after stop() is called: posts still in flight then end as failed tries. */
  private stopping = new AbortController();
  private readonly timer = new RoundTimer(() => {
    this.claiming = this.round().finally(() => {
      this.claiming = undefined;
    });
  });
  /** The soonest next round asked for while a claim was running (ms after it). */
  private asked = Infinity;
  private claiming: Promise<void> | undefined;
  /** When the due retries were last claimed, and whether that claim was full. */
  private retriesLookedAt = -Infinity;
  private retriesFull = false;

  constructor(private readonly options: WebhookWorkerOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.client = new WebhookClient({ timeoutMs: this.timeoutMs, allowPrivate: options.allowPrivate });
    this.perEndpoint = options.perEndpoint ?? 32;
    this.postsPerEndpoint = options.postsPerEndpoint ?? 8;
    this.batchSize = options.batchSize ?? 100;
    this.pollMs = options.pollMs ?? 1_000;
    this.gatherMs = options.gatherMs ?? 200;
    this.deliveredMarks = new Batcher((marks) => markDelivered(options.handle, marks, options.clock.now()));
    this.leaseMs = claimLeaseMs({ timeoutMs: this.timeoutMs, claimed: this.perEndpoint, atOnce: this.postsPerEndpoint }, 2 * this.timeoutMs, options.leaseMs);
  }

  /** One round, waited for whole: claims the lanes and the due retries, and posts them. */
  async runOnce(): Promise<WebhookRound> {
    const claimed = await this.claimAndDispatch(true);
    const outcomes = (await Promise.all(claimed.work)).flat();
    const count = (o: Outcome) => outcomes.filter((x) => x === o).length;
    return { claimed: claimed.count, delivered: count('delivered'), retrying: count('retrying'), failed: count('failed') };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = new AbortController();
    this.timer.set(0);
  }

  /** Look at the deliveries soon (after gatherMs) rather than at the next poll: a change was committed. */
  nudge(): void {
    this.soon(this.gatherMs);
  }

  /** The next round in `delayMs` at the latest; asked during a claim, right after it. */
  private soon(delayMs: number): void {
    if (!this.running) return;
    if (this.claiming) this.asked = Math.min(this.asked, delayMs);
    else this.timer.within(delayMs);
  }

  /**
   * Stops claiming and waits for the posts in flight, so none is left half recorded. A post still
   * unanswered after STOP_GRACE_MS (the mail worker's grace: an endpoint that hangs, under a
   * WEBHOOKS_TIMEOUT_SECONDS of up to a minute) is aborted and recorded as a failed try, retried
   * later by whichever process posts: the process stops within its 15 s guard (server.ts), exit 0.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.timer.clear();
    await abortingAfter(this.stopping, STOP_GRACE_MS, async () => {
      await this.claiming;
      await Promise.allSettled([...this.inFlight]);
    });
    await this.client.close();
  }

  /** Claims and starts the posts without waiting for them; an endpoint's finishing posts nudge the loop. */
  private async round(): Promise<void> {
    let full = false;
    this.asked = Infinity;
    try {
      full = (await this.claimAndDispatch(false)).full;
    } catch (error) {
      this.options.logger.error({ err: error }, 'webhook worker: round failed');
    }
    if (this.running) this.timer.set(full ? 0 : Math.min(this.asked, this.pollMs));
  }

  /**
   * Claims the free lanes and starts them, then the due retries of the other endpoints. Retries
   * are looked for once a poll (every round with `always`), or at once again after a full claim:
   * a failed try waits seconds at least before its next, and an admin's retry may wait a poll.
   */
  private async claimAndDispatch(always: boolean): Promise<{ count: number; full: boolean; work: Promise<Outcome[]>[] }> {
    const now = this.options.clock.now();
    const lanes = await claimLanes(this.options.handle, { now, perLane: this.perEndpoint, busy: [...this.busy], leaseUntil: now + this.leaseMs });
    const work = lanes.map((lane) => this.runLane(lane));
    let full = lanes.some((lane) => lane.read === this.perEndpoint);
    let count = lanes.reduce((n, lane) => n + lane.events.length, 0);
    if (always || this.retriesFull || now - this.retriesLookedAt >= this.pollMs) {
      this.retriesLookedAt = now;
      const rows = await this.claim();
      this.retriesFull = rows.length === this.batchSize;
      full ||= this.retriesFull;
      count += rows.length;
      work.push(...this.dispatch(rows));
    }
    return { count, full, work };
  }

  /** Claims due retries (failed tries, an admin's retries) of the endpoints this worker is not posting to. */
  private claim(): Promise<ClaimedDelivery[]> {
    const now = this.options.clock.now();
    return claimDueDeliveries(this.options.handle, {
      now,
      limit: this.batchSize,
      perEndpoint: this.perEndpoint,
      busy: [...this.busy],
      leaseUntil: now + this.leaseMs,
      maxAttempts: MAX_DELIVERY_ATTEMPTS,
    });
  }

  /**
   * Starts each endpoint's claimed retries, postsPerEndpoint at a time; its slot frees when all
   * of them are recorded. The 2xx answers of a claim are recorded together once its last post is
   * done: one statement for up to perEndpoint deliveries (they were one per 11.5 recorded as they
   * came, bench:intake --webhooks 3), at the cost of a delivery showing `sending` a claim's length
   * longer; a worker dying meanwhile leaves them to be sent again after the lease, as any in flight
   * (§13: at least once, the same webhook-id). Per endpoint, its outcomes.
   */
  private dispatch(rows: readonly ClaimedDelivery[]): Promise<Outcome[]>[] {
    const byEndpoint = new Map<number, ClaimedDelivery[]>();
    for (const row of rows) byEndpoint.set(row.endpoint_id, [...(byEndpoint.get(row.endpoint_id) ?? []), row]);
    return [...byEndpoint].map(([endpointId, own]) =>
      this.occupy(
        endpointId,
        own.length === this.perEndpoint,
        eachAtMost(own, this.postsPerEndpoint, (row) => this.deliver(row).catch((error: unknown) => this.lost(row, error))).then((tries) =>
          Promise.all(tries.map((tried) => (typeof tried === 'string' ? tried : this.recordDelivered(tried)))),
        ),
      ),
    );
  }

  /**
   * Posts a lane's events, postsPerEndpoint at a time, then settles the lane in one statement (its
   * cursor moved, a log row per try) and records its failed tries as any failed try. A worker dying
   * before the settle leaves the lane to another once the lease runs out, which posts the events
   * again (§13: at least once, the same webhook-id).
   */
  private runLane(lane: ClaimedLane): Promise<Outcome[]> {
    const tried = eachAtMost(lane.events, this.postsPerEndpoint, (event) => this.tryEvent(lane, event));
    const settled = tried.then(async (tries): Promise<Outcome[]> => {
      const now = this.options.clock.now();
      const failed = await settleLane(this.options.handle, lane, tries, now, now + this.leaseMs);
      if (failed === null) return lane.events.map(() => 'lost');
      const row = (f: (typeof failed)[number]) => ({ id: f.deliveryId, endpoint_id: lane.endpointId, event: f.try.event.event, attempts: 1, url: lane.url });
      const failures = await Promise.all(failed.map((f) => this.recordFailure(row(f), { status: f.try.status, error: f.try.error ?? '' }).catch((error: unknown) => this.lost(row(f), error))));
      return [...tries.filter((t) => t.delivered).map((): Outcome => 'delivered'), ...failures];
    });
    return this.occupy(
      lane.endpointId,
      lane.read === this.perEndpoint,
      settled.catch((error: unknown) => {
        this.options.logger.error({ err: error, endpointId: lane.endpointId }, 'webhook worker: could not settle a lane');
        return lane.events.map((): Outcome => 'lost');
      }),
    );
  }

  /** An endpoint busy with `work` until it ends; then the loop looks again, at once after a full claim. */
  private occupy(endpointId: number, full: boolean, work: Promise<Outcome[]>): Promise<Outcome[]> {
    this.busy.add(endpointId);
    const done = work.finally(() => {
      this.busy.delete(endpointId);
      this.inFlight.delete(done);
      // A full claim: its endpoint likely has more waiting, claim again at once.
      this.soon(full ? 0 : this.gatherMs);
    });
    this.inFlight.add(done);
    return work;
  }

  /** A try whose outcome could not be recorded (the database failed): logged; the row waits for its lease. */
  private lost(row: Pick<ClaimedDelivery, 'id'>, error: unknown): 'lost' {
    this.options.logger.error({ err: error, deliveryId: row.id }, 'webhook worker: could not record a delivery');
    return 'lost';
  }

  /** A 2xx answer recorded (with the others of its claim: they are added in one turn, so one batch). */
  private async recordDelivered({ row, status }: Answered): Promise<Outcome> {
    try {
      return (await this.deliveredMarks.add({ id: row.id, endpointId: row.endpoint_id, status })) ? 'delivered' : 'lost';
    } catch (error) {
      return this.lost(row, error);
    }
  }

  /** Signs and POSTs one delivery: a 2xx answer to record, or a failed try recorded. */
  private async deliver(row: ClaimedDelivery): Promise<Answered | Outcome> {
    const answer = await this.post(row.url, row.secret, row.message_id, row.payload);
    if (answer.delivered) return { row, status: answer.status! };
    return this.recordFailure(row, { status: answer.status, error: answer.error! });
  }

  /** A lane's try of one event. */
  private async tryEvent(lane: ClaimedLane, event: LaneEvent): Promise<LaneTry> {
    return { event, ...(await this.post(lane.url, lane.secret, event.message_id, event.payload)) };
  }

  /** Signs and POSTs an event's body: its answer's status (null: none), whether a 2xx, and otherwise what went wrong. */
  private async post(url: string, secret: string, messageId: string, payload: string): Promise<Omit<LaneTry, 'event'>> {
    try {
      // The signature's time is the real time of this try: receivers check it against their own
      // clocks. (Signing inside the try: a secret it cannot use is a failed try, retried and in
      // the end given up, never a lane stuck on it.)
      const sentAt = new Date();
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'Helpdesk-Webhooks/1',
        'webhook-id': messageId,
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(messageId, sentAt, payload),
      };
      const answer = await this.client.post(url, headers, payload, this.stopping.signal);
      if (isDelivered(answer.status)) return { status: answer.status, delivered: true, error: null };
      return { status: answer.status, delivered: false, error: `HTTP ${answer.status}${answer.body.trim() === '' ? '' : `: ${answer.body.trim()}`}` };
    } catch (error) {
      // The delivery log says why, not only "aborted".
      if (this.stopping.signal.aborted) return { status: null, delivered: false, error: `post aborted: the server is stopping and the endpoint had not answered within ${STOP_GRACE_MS / 1000} s` };
      return { status: null, delivered: false, error: describeError(error, this.timeoutMs) };
    }
  }

  /**
   * A failed try, in one transaction: the delivery retried later or given up, the endpoint's run of
   * failures noted, and after a day of them the endpoint disabled with one email to the admins.
   */
  private async recordFailure(row: Pick<ClaimedDelivery, 'id' | 'endpoint_id' | 'event' | 'attempts' | 'url'>, failure: { status: number | null; error: string }): Promise<Outcome> {
    const { handle, clock, logger, publicUrl } = this.options;
    const now = clock.now();
    const next = deliveryAfterFailure(row.attempts, now);
    const nextAttemptAt = next.status === 'failed' ? null : next.nextAttemptAt;
    const fields = { deliveryId: row.id, endpointId: row.endpoint_id, event: row.event, attempt: row.attempts, error: failure.error };
    // Logged after the commit: a try rolled back (and run again after a deadlock) logs nothing.
    let disabled = false;
    const outcome = await inTransaction(handle, async (trx): Promise<Outcome> => {
      disabled = false;
      if (!(await recordDeliveryFailure(trx, row.id, failure, nextAttemptAt))) return 'lost';
      const since = await noteEndpointFailing(trx, row.endpoint_id, now);
      if (since !== null && endpointAfterFailure(since, now).disable && (await disableEndpoint(trx, row.endpoint_id, now))) {
        const { timeZone } = await mailSite(handle, trx, publicUrl);
        // The error as the log keeps it: the receiver's answer may hold NUL bytes, which PostgreSQL
        // refuses in the email's text (the whole failure, the disabling with it, was rolled back).
        const content = renderWebhookDisabled({ url: row.url, failingSince: since, lastError: loggedError(failure.error), pageUrl: `${publicUrl}/adminapp/webhooks/${row.endpoint_id}/`, timeZone });
        const admins = await activeAdminRecipients(trx);
        await enqueueEmails(trx, admins.map((admin) => ({ ...admin, ticketId: null, kind: 'webhook_disabled' as const, content, now })));
        disabled = true;
      }
      return nextAttemptAt === null ? 'failed' : 'retrying';
    });
    if (disabled) logger.error(fields, 'webhooks: endpoint failing for a day; disabled and the admins emailed');
    if (outcome === 'retrying') logger.warn({ ...fields, nextAttemptAt: new Date(nextAttemptAt!).toISOString() }, 'webhooks: delivery failed; will retry');
    if (outcome === 'failed') logger.error(fields, 'webhooks: delivery given up; retry it from its endpoint’s log');
    return outcome;
  }
}

/** The worker as the configuration sets it up (the server and `npm run worker` both run one). */
export function webhookWorkerOf(handle: DbHandle, config: Pick<Config, 'publicUrl' | 'webhooksAllowPrivate' | 'webhooksTimeoutSeconds'>, logger: WorkerLogger, extra: Pick<WebhookWorkerOptions, 'pollMs'> = {}): WebhookWorker {
  return new WebhookWorker({ handle, clock: systemClock, logger, publicUrl: config.publicUrl, allowPrivate: config.webhooksAllowPrivate, timeoutMs: config.webhooksTimeoutSeconds * 1000, ...extra });
}

/** One line for the delivery log. */
function describeError(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
