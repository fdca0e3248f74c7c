/**
 * `npm run worker`: the outbox worker alone, for deployments that run it apart from the web
 * servers (any number of them, on SQLite or PostgreSQL). Runs until SIGTERM or SIGINT, then
 * finishes the emails in flight and exits. It needs SMTP_URL: sending is its only job. Without a
 * mail server it could only log emails (`logged`, never sent): beside processes that send, it would
 * leave every email to them (mail/worker.ts) and do nothing; alone, it would mark them all logged.
 */
import { ConfigError } from '../config.js';
import { consoleLogger } from '../mail/logger.js';
import { SENDER_SETTINGS, startDeliveries } from '../jobs/deliveries.js';
import { parseArgs } from './args.js';
import { cliConfig, openDatabase } from './context.js';
import { runCommand } from './run.js';

const USAGE = 'Usage: npm run worker (it takes no options; SMTP_URL and DATABASE_URL as for the server)';

async function main(): Promise<void> {
  if (parseArgs(process.argv.slice(2), { usage: USAGE }) === null) {
    console.log(USAGE);
    return;
  }
  // Like the server, the worker may be the first process on a new SQLite database: it creates it.
  const config = cliConfig({ createSqlite: true });
  if (config.smtpUrl === undefined) {
    throw new ConfigError('Configuration error: SMTP_URL is required by npm run worker: without a mail server it would only log the emails it takes (never sent); give it the same SMTP_URL and MAIL_FROM as the servers');
  }
  const logger = consoleLogger(config.logLevel);
  const handle = await openDatabase(config.databaseUrl, {
    settings: SENDER_SETTINGS,
    onError: (error) => logger.warn({ err: error }, 'database connection lost; the pool opens a new one'),
  });
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
  // ...and once its lease has been tried: from then on processes without a mail server leave it the emails.
  await deliveries.announced;
  logger.info({ mailer: deliveries.mailer, from: config.mailFrom }, 'outbox worker started');
}

runCommand('worker', main);
