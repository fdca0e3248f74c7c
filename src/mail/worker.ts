/**
 * The outbox worker (SPEC §5): sends the emails that changes wrote to the outbox table, outside any
 * web request and outside any database transaction, so a slow or dead mail server never delays a
 * request nor holds a lock. Safe with any number of workers in any number of processes (rows are
 * claimed with a lease, see claimDueEmails).
 */
import { attachedToMail, LEGACY_ATTACHMENT_BYTES } from '../core/mailSize.js';
import { claimLeaseMs, lastTryStartMs } from '../core/claims.js';
import { emailRoundPlan, MAIL_SENDER_LEASE_PREFIX, RECENT_MAIL_SENDER_LEASE } from '../core/mailSenders.js';
import { abortedOf, abortingAfter, eachAtMost, settledOf } from '../core/promises.js';
import { redactText } from '../core/redact.js';
import { isPermanentRefusal, type SmtpReply } from '../core/smtpReplies.js';
import { ticketLanes } from '../core/ticketLanes.js';
import { RoundTimer } from '../jobs/roundTimer.js';
import type { DbHandle } from '../db/connect.js';
import type { OutboxRow } from '../db/schema.js';
import { Batcher } from '../db/batcher.js';
import { attachmentsOfMessages, fileContent } from '../repositories/attachments.js';
import { liveLeasesAndExpiry } from '../repositories/leases.js';
import { recordAdvertisedMessageSize } from '../repositories/mailServer.js';
import { claimDueEmails, markEmailSkipped, markEmailsSent, recordEmailFailure, threadsBefore } from '../repositories/outbox.js';
import type { Clock } from '../services/context.js';
import { isThreaded, outgoingEmail, SkippedEmail, type ThreadBefore, UndeliverableEmail } from './message.js';
import { afterFailure, MAX_ATTEMPTS } from './retry.js';
import type { Mailer, OutgoingAttachment } from './transport.js';

/** What the worker logs through; pino's and Fastify's loggers fit as they are. */
export interface WorkerLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface OutboxWorkerOptions {
  handle: DbHandle;
  mailer: Mailer;
  clock: Clock;
  /** The From: of every email (MAIL_FROM); its domain ends each Message-ID. */
  from: string;
  /** The Reply-To: of every email (MAIL_REPLY_TO); default `from`. */
  replyTo?: string;
  logger: WorkerLogger;
  /**
   * Emails claimed together per round, at most. Default 30: a round costs a few statements (the
   * claim, the threads, the record) whatever its size, so under a steady stream its size sets how
   * many rounds an email pays for.
   */
  batchSize?: number;
  /** Emails of a round sent at once, at most (one connection to the mail server each). Default 10. */
  sendsAtOnce?: number;
  /**
   * After a nudge, wait this long for more changes before claiming, so that a burst of changes is
   * sent in a few rounds, not one each. Default 100 ms.
   */
  gatherMs?: number;
  /** Wait between rounds when there is nothing to do. Default 1 s. */
  pollMs?: number;
  /**
   * How long a claim holds before another worker may take the row. Default: a send timeout for
   * each turn of a round (3 by default: 30 claimed, 10 sent at once), and a minute more: 7 min.
   */
  leaseMs?: number;
  /** A send still running after this is aborted and counted as a failed try. Default 2 min. */
  sendTimeoutMs?: number;
  /**
   * How often the mail server is asked for its size limit (SIZE in its EHLO answer), recorded for
   * whoever writes a reply email (core/mailSize.ts). Default 10 min; the first round asks at once.
   */
  sizeCheckMs?: number;
}

/** What one round did. */
export interface RoundResult {
  claimed: number;
  sent: number;
  /** Failed tries that will be tried again. */
  retrying: number;
  /** Emails given up (status `failed`). */
  failed: number;
  /** Emails not sent on purpose (status `skipped`: an automatic email to a mailbox nobody reads). */
  skipped: number;
}

type Outcome = 'sent' | 'skipped' | 'retrying' | 'failed' | 'lost';

/** How long stop() lets sends in flight finish before it aborts them. */
export const STOP_GRACE_MS = 5_000;

/** Sends outbox emails: `runOnce()` for one round, `start()`/`stop()` for the background loop. */
export class OutboxWorker {
  private readonly batchSize: number;
  private readonly sendsAtOnce: number;
  private readonly gatherMs: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  /** How long after its claim an email's try may still start (core/claims.ts). */
  private readonly lastTryStartMs: number;
  private readonly sendTimeoutMs: number;
  private readonly sizeCheckMs: number;
  /** When the mail server's size limit is next asked for. */
  private nextSizeCheck = -Infinity;
  /** The question to the mail server in flight, if any (stop() waits for it). */
  private sizeCheck: Promise<void> | undefined;
  private running = false;
  /** Aborted STOP_GRACE_MS after stop() is called: sends still in flight then end as failed tries. */
  private stopping = new AbortController();
  private stopRequested = false;
  private readonly timer = new RoundTimer(() => {
    this.loop = this.drain().finally(() => {
      this.loop = undefined;
      if (this.running) this.timer.set(this.pollMs);
    });
  });
  private loop: Promise<void> | undefined;
  /** Without a mail server: its last round left the emails to the processes that have one. */
  private leaving = false;
  /**
   * Deliveries are recorded as they finish, and those finishing together share one UPDATE (one
   * commit instead of one per email; the log-only mailer finishes a whole round at once).
   */
  private readonly sentMarks: Batcher<number, boolean>;

  constructor(private readonly options: OutboxWorkerOptions) {
    this.batchSize = options.batchSize ?? 30;
    this.sendsAtOnce = options.sendsAtOnce ?? 10;
    this.gatherMs = options.gatherMs ?? 100;
    this.pollMs = options.pollMs ?? 1_000;
    this.sendTimeoutMs = options.sendTimeoutMs ?? 2 * 60_000;
    this.sizeCheckMs = options.sizeCheckMs ?? 10 * 60_000;
    const shape = { timeoutMs: this.sendTimeoutMs, claimed: this.batchSize, atOnce: this.sendsAtOnce };
    this.leaseMs = claimLeaseMs(shape, 60_000, options.leaseMs);
    this.lastTryStartMs = lastTryStartMs(shape, this.leaseMs);
    // Without a mail server the email is only `logged`: the admin pages must not call it sent.
    const handedOver = options.mailer.kind === 'smtp' ? 'sent' : 'logged';
    this.sentMarks = new Batcher((ids) => markEmailsSent(options.handle.db, ids, options.clock.now(), handedOver));
  }

  /**
   * One round: claims the due emails (at most `batchSize`), sends them `sendsAtOnce` at a time
   * (one ticket's in order, one after another),
   * and records each outcome. Errors of the database propagate; errors of the mail server are outcomes.
   */
  async runOnce(): Promise<RoundResult> {
    const now = this.options.clock.now();
    if (!(await this.mayClaim(now))) return { claimed: 0, sent: 0, retrying: 0, failed: 0, skipped: 0 };
    this.checkMessageSize(now);
    const rows = await claimDueEmails(this.options.handle, {
      now,
      limit: this.batchSize,
      leaseUntil: now + this.leaseMs,
      maxAttempts: MAX_ATTEMPTS,
    });
    // Read before any send: an error of the database propagates (the rows wait for their leases to
    // run out), it is not the mail server's failed try.
    const threads = await threadsBefore(this.options.handle, rows.filter(isThreaded));
    // One ticket's emails one after another in the order they were written, other tickets' beside
    // them (core/ticketLanes.ts). Settled: every send of the round is recorded before a database
    // error is passed on, and a failed email does not stop the next one of its ticket.
    // A try starts only while it can end within the claim's lease (core/claims.ts lastTryStartMs):
    // a long lane leaves the rest claimed, taken again once the lease has run out, never sent by a
    // second worker while this one still sends them.
    const lastStart = now + this.lastTryStartMs;
    const lanes = await eachAtMost(ticketLanes(rows), this.sendsAtOnce, async (lane) => {
      const done: PromiseSettledResult<Outcome>[] = [];
      for (const row of lane) {
        // Stopping: no new send starts (the rest stay claimed until the lease runs out).
        if (this.options.clock.now() > lastStart || this.stopRequested) break;
        done.push(await settledOf(this.deliver(row, threads.get(row.id) ?? null)));
      }
      return done;
    });
    const settled = lanes.flat();
    const rejected = settled.find((s) => s.status === 'rejected');
    if (rejected) throw rejected.reason;
    const outcomes = settled.map((s) => (s.status === 'fulfilled' ? s.value : 'lost'));
    const count = (o: Outcome) => outcomes.filter((x) => x === o).length;
    return { claimed: rows.length, sent: count('sent'), retrying: count('retrying'), failed: count('failed'), skipped: count('skipped') };
  }

  /**
   * Whether this round claims: with a mail server always (no read); without one, only while no
   * process with one announces itself nor did within the grace period (core/mailSenders.ts), so
   * that none of the emails a mail server could send is only logged here, not even while the only
   * sender restarts. Says so when that changes, not every round.
   */
  private async mayClaim(now: number): Promise<boolean> {
    const hasMailer = this.options.mailer.kind === 'smtp';
    const seen = hasMailer ? { live: 0, until: null } : await liveLeasesAndExpiry(this.options.handle.db, MAIL_SENDER_LEASE_PREFIX, RECENT_MAIL_SENDER_LEASE, now);
    const plan = emailRoundPlan(this.leaving, { hasMailer, liveSenders: seen.live, recentSenderUntil: seen.until, now });
    this.leaving = plan.leaving;
    if (plan.say === 'leaving') {
      const until = seen.until === null ? null : new Date(seen.until).toISOString();
      this.options.logger.warn({ liveSenders: seen.live, recentSenderUntil: until }, 'outbox: SMTP_URL is unset here and processes with a mail server run on this database (or did minutes ago, and may be restarting): leaving the emails to them, none is taken and only logged here');
    } else if (plan.say === 'resuming') {
      this.options.logger.warn({}, 'outbox: no process with a mail server is running any more (none for the grace period): SMTP_URL is unset here, so the emails are only logged (status logged, never sent) until one starts');
    }
    return plan.claim;
  }

  /**
   * Asks the mail server for its size limit when due and records it (repositories/mailServer.ts),
   * beside the round, never in its way: a hung server must not hold the round's claims, nor double
   * its wait. A server that cannot be reached, or a failed write, leaves the last answer as it was
   * (the round's sends say what is wrong with the server).
   */
  private checkMessageSize(now: number): void {
    const { mailer, handle, logger } = this.options;
    if (!mailer.advertisedMessageSize || this.sizeCheck || now < this.nextSizeCheck) return;
    this.nextSizeCheck = now + this.sizeCheckMs;
    this.sizeCheck = mailer
      .advertisedMessageSize()
      .then((size) => recordAdvertisedMessageSize(handle.db, size, now))
      .catch((error: unknown) => logger.warn({ error: redactText(describeError(error)) }, 'outbox: could not learn the mail server\'s size limit (kept the last answer)'))
      .finally(() => {
        this.sizeCheck = undefined;
      });
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopRequested = false;
    this.stopping = new AbortController();
    this.timer.set(0);
  }

  /**
   * Asks a started worker to look at the outbox soon (after gatherMs) rather than at its next poll.
   * Later nudges never push that round back.
   */
  nudge(): void {
    if (this.running && !this.loop) this.timer.within(this.gatherMs);
  }

  /**
   * Stops the loop and waits for the round in flight, so no email is left half recorded. A send
   * still running after STOP_GRACE_MS (a mail server that hangs: the mailer's own timeout is a
   * minute) is aborted and recorded as a failed try, tried again later by whichever process sends;
   * the process stops within its 15 s guard (server.ts) and exits 0.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.stopRequested = true;
    this.timer.clear();
    await abortingAfter(this.stopping, STOP_GRACE_MS, async () => {
      await this.loop;
      // The mail server's size question is waited for within the same grace, never past it: a hung
      // server's greeting would hold the stop for the mailer's own timeout (exit 1 by the guard).
      // One cut short records nothing; the next process asks again.
      if (this.sizeCheck) await Promise.race([this.sizeCheck, abortedOf(this.stopping.signal)]);
    });
  }

  /** Rounds back to back while they come back full, then rest until the next poll. */
  private async drain(): Promise<void> {
    try {
      let round: RoundResult;
      do round = await this.runOnce();
      while (this.running && round.claimed === this.batchSize);
    } catch (error) {
      // The database is unreachable or similar: say so, and try again at the next poll.
      this.options.logger.error({ err: error }, 'outbox worker: round failed');
    }
  }

  private async deliver(row: OutboxRow, thread: ThreadBefore | null): Promise<Outcome> {
    const { logger, mailer, from } = this.options;
    const fields = { outboxId: row.id, kind: row.kind, attempt: row.attempts };
    // Read before the try, like the thread: an error of the database propagates.
    const attachments = await this.attachmentsOf(row);
    try {
      if (attachments instanceof UndeliverableEmail) throw attachments;
      const email = outgoingEmail(row, { from, replyTo: this.options.replyTo ?? from, thread, attachments });
      if (email.subject !== row.subject) logger.warn(fields, 'outbox: control or direction-override characters removed from a subject');
      await mailer.send(email, AbortSignal.any([AbortSignal.timeout(this.sendTimeoutMs), this.stopping.signal]));
    } catch (error) {
      if (error instanceof SkippedEmail) return this.recordSkipped(row, error);
      // The mailer says only "Message sending aborted": the admin page says why.
      const stopped = this.stopping.signal.aborted ? new Error(`send aborted: the server is stopping and the mail server had not answered within ${STOP_GRACE_MS / 1000} s`, { cause: error }) : error;
      return this.recordFailure(row, stopped);
    }
    if (!(await this.sentMarks.add(row.id))) {
      logger.warn(fields, 'outbox: email sent, but its row had changed meanwhile (lease ran out?)');
      return 'lost';
    }
    if (mailer.kind === 'smtp') logger.info(fields, 'outbox: email sent');
    return 'sent';
  }

  /**
   * The files of the message a `reply` carries (those it has room for), read only now: the outbox row keeps their ids
   * (through `message_id`), not a second copy of their bytes. A file that is gone makes the email
   * undeliverable rather than sent without it.
   */
  private async attachmentsOf(row: OutboxRow): Promise<OutgoingAttachment[] | UndeliverableEmail> {
    if (row.message_id === null) return [];
    const db = this.options.handle.db;
    const files: OutgoingAttachment[] = [];
    const all = await attachmentsOfMessages(db, [row.message_id]);
    // Those the email has room for; its text links the others (core/mailSize.ts attachedToMail), by
    // the room given when it was written (a row written before that: the old 7 MB of stored bytes).
    const sizes = all.map((a) => a.size);
    const attached = row.attachment_room === null ? attachedToMail(sizes, LEGACY_ATTACHMENT_BYTES, (size) => size) : attachedToMail(sizes, row.attachment_room);
    for (const a of all.filter((_, i) => attached[i])) {
      const content = await fileContent(db, a.file_sha256);
      if (!content) return new UndeliverableEmail(`the attachment ${JSON.stringify(a.filename)} is missing from the file store`);
      files.push({ filename: a.filename, contentType: a.content_type, content });
    }
    return files;
  }

  private async recordSkipped(row: OutboxRow, reason: SkippedEmail): Promise<Outcome> {
    const fields = { outboxId: row.id, kind: row.kind, reason: reason.message };
    if (!(await markEmailSkipped(this.options.handle.db, row.id, reason.message))) {
      this.options.logger.warn(fields, 'outbox: skipped email not recorded: the row had changed meanwhile');
      return 'lost';
    }
    this.options.logger.info(fields, 'outbox: email not sent on purpose (skipped)');
    return 'skipped';
  }

  private async recordFailure(row: OutboxRow, error: unknown): Promise<Outcome> {
    const { logger, clock, handle } = this.options;
    const message = describeError(error);
    // A row that cannot be sent as it stands, or a message the mail server refused for good (5xx to
    // its recipient or its content), is not tried again: the same try would fail the same way.
    const final = error instanceof UndeliverableEmail || (error instanceof Error && isPermanentRefusal(error as Error & SmtpReply));
    const next = final ? ({ status: 'failed' } as const) : afterFailure(row.attempts, clock.now());
    const nextAttemptAt = next.status === 'failed' ? null : next.nextAttemptAt;
    const recorded = await recordEmailFailure(handle.db, row.id, message, nextAttemptAt);
    // A mail server's reply may quote the message (a spam filter naming the status link it
    // blocked): the row keeps it whole for the admin, the log gets it with secrets redacted.
    const fields = { outboxId: row.id, kind: row.kind, attempt: row.attempts, error: redactText(message) };
    if (!recorded) {
      logger.warn(fields, 'outbox: failed try not recorded: the row had changed meanwhile');
      return 'lost';
    }
    if (final) {
      const why = error instanceof UndeliverableEmail ? 'email cannot be sent as it stands' : 'the mail server refused this email for good (5xx)';
      logger.error(fields, `outbox: ${why}; marked failed (see its error at /admin/emails/)`);
      return 'failed';
    }
    if (nextAttemptAt === null) {
      logger.error(fields, 'outbox: email given up; retry it from the admin or with `npm run outbox -- retry <id>`');
      return 'failed';
    }
    logger.warn({ ...fields, nextAttemptAt: new Date(nextAttemptAt).toISOString() }, 'outbox: send failed; will retry');
    return 'retrying';
  }
}

/** One line for the admin page: the SMTP reply when there is one. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const text = error.name === 'TimeoutError' || error.name === 'AbortError' ? `send aborted: ${error.message}` : error.message;
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}
