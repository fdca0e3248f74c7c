/**
 * The outbox's senders together: the outbox worker (emails, SPEC §5) and the webhook worker
 * (§13), on one database handle, with one mailer; with a mail server, the lease that tells the
 * processes without one to leave the emails to this one (mailSenderLease.ts). The server runs them
 * on a thread of their own (deliveryThread.ts); `npm run worker` runs them alone in a process.
 */
import type { Config } from '../config.js';
import type { DbHandle } from '../db/connect.js';
import type { MailLog } from '../mail/transport.js';
import { createMailer } from '../mail/transport.js';
import { OutboxWorker, type WorkerLogger } from '../mail/worker.js';
import { systemClock } from '../services/context.js';
import { webhookWorkerOf } from '../webhooks/worker.js';
import { announceMailSender } from './mailSenderLease.js';
import { startWebhookHistoryPruning } from './webhookHistory.js';

/**
 * PostgreSQL settings for the senders' own connections (the delivery thread's, `npm run worker`'s).
 * Their claims read the oldest due rows of a queue whose rows are rewritten at every step, so the
 * partial indexes of due rows hold many entries of rows already sent. A plain index scan in claim
 * order reads a few entries past them and marks them dead for the next claim; a bitmap scan reads
 * every entry up to now and visits each one's page, and never marks any. PostgreSQL chose the
 * bitmap for the email claim under intake (its estimate knows nothing of the dead entries): 2.9 ms
 * a claim against 0.6 ms (bench:intake, 100 connections). Nothing the senders run wants a bitmap
 * (each reads rows by key, a ticket's thread, or a queue's first rows).
 */
export const SENDER_SETTINGS: Readonly<Record<string, string>> = { enable_bitmapscan: 'off' };

/** What the senders need of the configuration. */
export type DeliveryConfig = Pick<Config, 'smtpUrl' | 'mailFrom' | 'mailReplyTo' | 'publicUrl' | 'webhooksAllowPrivate' | 'webhooksTimeoutSeconds' | 'webhooksHistoryDays'>;

export interface Deliveries {
  /** `smtp`, or `log` without SMTP_URL. */
  readonly mailer: string;
  /** Something was enqueued: look at the outbox now rather than at the next poll. */
  nudge(): void;
  /** Stops both workers after the sends in flight, and closes the mailer. */
  stop(): Promise<void>;
}

/** Deliveries just started: `announced` settles once a sender's lease was first tried (at once without a mail server). */
export type StartedDeliveries = Deliveries & { readonly announced: Promise<void> };

/** Starts both workers on `handle`, and the pruning of the webhook history; `pollMs`: their wait between rounds when nudged by nobody (default 1 s). */
export function startDeliveries(handle: DbHandle, config: DeliveryConfig, logger: WorkerLogger & MailLog, pollMs?: number): StartedDeliveries {
  const mailer = createMailer(config.smtpUrl, logger);
  const poll = pollMs === undefined ? {} : { pollMs };
  const emails = new OutboxWorker({ handle, mailer, clock: systemClock, from: config.mailFrom, replyTo: config.mailReplyTo, logger, ...poll });
  const webhooks = webhookWorkerOf(handle, config, logger, poll);
  emails.start();
  webhooks.start();
  const history = startWebhookHistoryPruning(handle, config.webhooksHistoryDays, logger);
  // With a mail server, processes without one leave the emails to this one while it runs.
  const announcement = mailer.kind === 'smtp' ? announceMailSender(handle, logger) : undefined;
  return {
    mailer: mailer.kind,
    announced: announcement?.tried ?? Promise.resolve(),
    nudge() {
      emails.nudge();
      webhooks.nudge();
    },
    async stop() {
      await Promise.all([emails.stop(), webhooks.stop(), history.stop()]);
      // Given up once the sends in flight are recorded: the emails still pending go to the others.
      await announcement?.stop();
      mailer.close();
    },
  };
}
