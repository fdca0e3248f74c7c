/**
 * Inside the delivery thread (deliveryThread.ts): its own database handle and the outbox's senders
 * (deliveries.ts), nudged and stopped by messages from the server's main thread. Logs go to the
 * process's stdout/stderr as the main thread's do (JSON lines, or readable lines on a terminal).
 */
import type { MessagePort } from 'node:worker_threads';
import { prettyLogLine } from '../core/logLine.js';
import { connect, readOnlyDropMessage } from '../db/connect.js';
import { consoleLogger, type LogLevel } from '../mail/logger.js';
import { type DeliveryConfig, SENDER_SETTINGS, startDeliveries } from './deliveries.js';

/** What the main thread hands the delivery thread. */
export interface DeliveryThreadData {
  databaseUrl: string;
  config: DeliveryConfig;
  logLevel: LogLevel;
  /** Readable log lines (stdout is a terminal). */
  pretty: boolean;
  /** The workers' wait between rounds when nobody nudges them; default 1 s (a test sets it long, to see the nudges). */
  pollMs?: number;
}

/** Messages between the threads. */
export type ToDeliveryThread = 'nudge' | 'stop';
export type FromDeliveryThread = 'ready' | 'stopped';

/** A few connections: one round of emails and one of webhooks at a time, each a handful of statements. */
const POOL_SIZE = 4;

export function runDeliveryThread(data: DeliveryThreadData, port: MessagePort): void {
  const logger = consoleLogger(data.logLevel, 'deliveries', data.pretty ? prettyLogLine : undefined);
  const handle = connect(data.databaseUrl, {
    poolSize: POOL_SIZE,
    settings: SENDER_SETTINGS,
    onError: (error) => logger.warn({ err: error }, 'database connection lost; the pool opens a new one'),
    onReadOnly: (open) => logger.warn({ open }, readOnlyDropMessage),
  });
  const deliveries = startDeliveries(handle, data.config, logger, data.pollMs);
  port.on('message', (message: ToDeliveryThread) => {
    if (message === 'nudge') return deliveries.nudge();
    void deliveries
      .stop()
      .then(() => handle.destroy())
      .catch((error: unknown) => logger.error({ err: error }, 'delivery thread: unclean stop'))
      .finally(() => {
        port.postMessage('stopped' satisfies FromDeliveryThread);
        port.close();
      });
  });
  // Ready once a sender has tried to take its lease: the server waits for it before it answers.
  void deliveries.announced.then(() => port.postMessage('ready' satisfies FromDeliveryThread));
}
