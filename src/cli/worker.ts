/**
 * `npm run worker`: the outbox worker alone, for deployments that run it apart from the web
 * servers (any number of them, on SQLite or PostgreSQL). Runs until SIGTERM or SIGINT, then
 * finishes the emails in flight and exits.
 */
import { ConfigError, loadConfig, readDotEnv } from '../config.js';
import { connect } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { consoleLogger } from '../mail/logger.js';
import { createMailer } from '../mail/transport.js';
import { OutboxWorker } from '../mail/worker.js';
import { webhookWorkerOf } from '../webhooks/worker.js';
import { systemClock } from '../services/context.js';

async function main(): Promise<void> {
  readDotEnv();
  const config = loadConfig();
  const logger = consoleLogger(config.logLevel);
  const handle = connect(config.databaseUrl, {
    onError: (error) => logger.warn({ err: error }, 'database connection lost; the pool opens a new one'),
  });
  await migrateToLatest(handle.db);
  const mailer = createMailer(config.smtpUrl, logger);
  const worker = new OutboxWorker({ handle, mailer, clock: systemClock, from: config.mailFrom, replyTo: config.mailReplyTo, logger });
  const webhooks = webhookWorkerOf(handle, config, logger);
  worker.start();
  webhooks.start();
  logger.info({ mailer: mailer.kind, from: config.mailFrom }, 'outbox worker started');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'outbox worker stopping: finishing the emails in flight');
    void worker
      .stop()
      .then(() => webhooks.stop())
      .then(() => mailer.close())
      .then(() => handle.destroy())
      .then(() => {
        logger.info({}, 'outbox worker stopped');
        process.exitCode = 0;
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'outbox worker: unclean stop');
        process.exitCode = 1;
      });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
