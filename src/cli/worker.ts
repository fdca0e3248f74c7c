/**
 * `npm run worker`: the outbox worker alone, for deployments that run it apart from the web
 * servers (any number of them, on SQLite or PostgreSQL). Runs until SIGTERM or SIGINT, then
 * finishes the emails in flight and exits.
 */
import { ConfigError, loadConfig, readDotEnv } from '../config.js';
import { connect } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { consoleLogger } from '../mail/logger.js';
import { SENDER_SETTINGS, startDeliveries } from '../jobs/deliveries.js';

async function main(): Promise<void> {
  readDotEnv();
  const config = loadConfig();
  const logger = consoleLogger(config.logLevel);
  const handle = connect(config.databaseUrl, {
    settings: SENDER_SETTINGS,
    onError: (error) => logger.warn({ err: error }, 'database connection lost; the pool opens a new one'),
  });
  await migrateToLatest(handle.db);
  const deliveries = startDeliveries(handle, config, logger);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'outbox worker stopping: finishing the emails in flight');
    void deliveries
      .stop()
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
  // Said once the handlers are in place: a process manager may stop the worker as soon as it is
  // started, and a signal that comes before its handler ends the process at once.
  logger.info({ mailer: deliveries.mailer, from: config.mailFrom }, 'outbox worker started');
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
