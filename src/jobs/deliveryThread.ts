/**
 * The outbox's senders (deliveries.ts) on a worker thread of the server's own (issue 20 item 8):
 * claiming, rendering and sending emails and webhooks, and recording each outcome, is work the
 * event loop answering requests no longer does; on a machine with a second core it runs beside
 * it. The thread has its own database handle (its own pool on PostgreSQL, its own connection on
 * SQLite, which WAL lets write alongside), so every guarantee of the outbox (claims with a lease,
 * exactly one send per row) is the same as with workers in other processes.
 *
 * The main thread nudges it when a change enqueues something (one message per turn of the event
 * loop, however many changes), and stops it on shutdown after its sends in flight. A thread that
 * dies (a bug) is logged and started again after a second, so nothing waits for the next restart
 * of the server. An in-memory SQLite database has no second connection: its senders run on the
 * main thread as before.
 */
import { Worker } from 'node:worker_threads';
import { isPrivateDatabase } from '../core/databaseUrl.js';
import type { DbHandle } from '../db/connect.js';
import type { LogLevel } from '../mail/logger.js';
import type { MailLog } from '../mail/transport.js';
import type { WorkerLogger } from '../mail/worker.js';
import type { Deliveries, DeliveryConfig } from './deliveries.js';
import type { DeliveryThreadData, FromDeliveryThread, ToDeliveryThread } from './deliveryThreadMain.js';

export interface DeliveryThreadOptions {
  databaseUrl: string;
  config: DeliveryConfig;
  logLevel: LogLevel;
  pretty: boolean;
  /** The main thread's logger: the thread's start, death and restart. */
  logger: WorkerLogger & MailLog;
  /** After a death, the wait before the next start. Default 1 s. */
  restartMs?: number;
  /** The workers' wait between rounds when nobody nudges them (default 1 s). */
  pollMs?: number;
}

/**
 * Starts the senders on their thread, returning at once: the thread loads its modules on the other
 * core while the server goes on to listen (about 0.2 s of start-up, issue 20 item 5). Nudges sent
 * meanwhile wait in the thread's port; `ready` settles when the senders run and, with a mail
 * server, have tried to take the sender's lease (rejects if the thread failed to start). `handle`: the main thread's, for an in-memory database.
 */
export function startDeliveryThread(options: DeliveryThreadOptions, handle: DbHandle): { deliveries: Deliveries; ready: Promise<void> } {
  if (isPrivateDatabase(options.databaseUrl)) return onThisThread(handle, options);
  const thread = new DeliveryThread(options);
  return { deliveries: thread, ready: thread.start() };
}

/**
 * An in-memory database's senders, on the main thread, loaded as they start: a server with the
 * thread never loads them on its main thread (they bring the webhooks' HTTP client, undici, and
 * the mail worker: start-up time and memory, issue 20 item 5).
 */
function onThisThread(handle: DbHandle, options: DeliveryThreadOptions): { deliveries: Deliveries; ready: Promise<void> } {
  const started = import('./deliveries.js').then(async ({ startDeliveries }) => {
    const senders = startDeliveries(handle, options.config, options.logger);
    await senders.announced;
    return senders;
  });
  const deliveries: Deliveries = {
    mailer: options.config.smtpUrl ? 'smtp' : 'log',
    nudge: () => void started.then((senders) => senders.nudge()),
    stop: async () => (await started).stop(),
  };
  return { deliveries, ready: started.then(() => undefined) };
}

/** Exported for its test (which ends the thread from outside to see it started again). */
export class DeliveryThread implements Deliveries {
  readonly mailer: string;
  private worker: Worker | undefined;
  private nudged = false;
  private stopping = false;
  private restart: NodeJS.Timeout | undefined;

  constructor(private readonly options: DeliveryThreadOptions) {
    this.mailer = options.config.smtpUrl ? 'smtp' : 'log';
  }

  /** Starts the thread; resolves when its senders run (rejects if it fails to start). */
  start(): Promise<void> {
    const { smtpUrl, mailFrom, mailReplyTo, publicUrl, webhooksAllowPrivate, webhooksTimeoutSeconds, webhooksHistoryDays } = this.options.config;
    // Only what the senders need crosses to the thread (not the secret key, not the admin password).
    const config: DeliveryConfig = { smtpUrl, mailFrom, mailReplyTo, publicUrl, webhooksAllowPrivate, webhooksTimeoutSeconds, webhooksHistoryDays };
    const { databaseUrl, logLevel, pretty, pollMs } = this.options;
    const data: DeliveryThreadData = { databaseUrl, config, logLevel, pretty, ...(pollMs === undefined ? {} : { pollMs }) };
    const worker = new Worker(new URL('./deliveryThread.mjs', import.meta.url), { workerData: data });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (message: FromDeliveryThread) => {
        if (message === 'ready') {
          ready = true;
          resolve();
        }
      });
      worker.on('error', (error) => {
        if (!ready) reject(error);
        else this.options.logger.error({ err: error }, 'delivery thread failed');
      });
      worker.on('exit', (code) => {
        if (!ready) reject(new Error(`the delivery thread stopped (exit code ${code}) before it started`));
        if (this.worker !== worker || this.stopping) return;
        this.worker = undefined;
        this.options.logger.error({ code }, 'delivery thread stopped unexpectedly; starting it again');
        this.restart = setTimeout(() => {
          this.restart = undefined;
          if (!this.stopping) this.start().catch((error: unknown) => this.options.logger.error({ err: error }, 'delivery thread did not start again'));
        }, this.options.restartMs ?? 1_000);
      });
    });
  }

  nudge(): void {
    if (this.nudged || !this.worker) return;
    this.nudged = true;
    setImmediate(() => {
      this.nudged = false;
      this.worker?.postMessage('nudge' satisfies ToDeliveryThread);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restart);
    const worker = this.worker;
    if (!worker) return;
    const stopped = new Promise<void>((resolve) => {
      worker.on('message', (message: FromDeliveryThread) => message === 'stopped' && resolve());
      worker.once('exit', () => resolve());
    });
    worker.postMessage('stop' satisfies ToDeliveryThread);
    await stopped;
    await worker.terminate();
    this.worker = undefined;
  }
}
