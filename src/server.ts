/**
 * Entry point: read the configuration, migrate, make sure an admin exists, serve HTTP and run the
 * background jobs; on SIGTERM/SIGINT finish the requests in flight, stop the jobs, close the database.
 */
import './nodeCheck.js';
import { ConfigError, loadConfig, readDotEnv } from './config.js';
import { signingKey } from './signingKey.js';
import { connect, readOnlyDropMessage } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { buildApp } from './http/app.js';
import { presenceCheckMs } from './core/autoAway.js';
import { listenProblem } from './core/listenProblem.js';
import { startPresenceExpiry } from './jobs/presenceExpiry.js';
import { startDeliveryThread } from './jobs/deliveryThread.js';
import { startPendingCloseJob } from './jobs/pendingCloses.js';
import { startRoutingDueJob } from './jobs/routingDue.js';
import { startSlaMonitor } from './jobs/slaMonitor.js';
import { createChangeHub } from './live/postgresHub.js';
import { systemClock } from './services/context.js';
import { ensureFirstAdmin } from './services/users.js';
import { logDestination } from './logStream.js';
import type { FastifyBaseLogger } from 'fastify';

/**
 * The logger of what starts before the app's (the database pool, the change hub, the delivery
 * thread): its lines go to stderr (the error itself, when there is one) until `use` hands it the
 * app's logger.
 */
function laterLogger() {
  let target: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error' | 'debug'> | undefined;
  const at = (level: 'info' | 'warn' | 'error' | 'debug') => (fields: Record<string, unknown>, message: string) => {
    if (target) target[level](fields, message);
    else console.error(`${message}:`, fields.err ?? fields);
  };
  return { use: (logger: typeof target) => void (target = logger), info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

async function main(): Promise<void> {
  readDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  // Problems the server survives (a lost database connection, the hub's) are logged as warnings;
  // until the app and its logger exist, on stderr.
  const early = laterLogger();
  const warn = (error: unknown, message: string) => early.warn({ err: error }, message);
  const handle = connect(config.databaseUrl, {
    poolSize: 20,
    // SQLite: a write waiting for another connection's lock leaves the event loop to other requests.
    yieldWhileLocked: true,
    onError: (error) => warn(error, 'database connection lost; the pool opens a new one'),
    onReadOnly: (open) => early.warn({ open }, readOnlyDropMessage),
  });
  await migrateToLatest(handle.db);
  // Live updates: across processes on PostgreSQL (LISTEN/NOTIFY), in-process on SQLite.
  const hub = createChangeHub(handle, config.databaseUrl, (error) => warn(error, 'live updates: change hub problem'));
  await hub.ready();
  const pretty = logDestination();
  // Emails and webhooks are sent from a thread of their own (src/jobs/deliveryThread.ts), which
  // starts now and loads on the other core while this one builds the app; the server waits for it
  // once it listens (a sender: before). Its start and restarts are logged as above.
  const { deliveries, ready: deliveriesReady } = startDeliveryThread({ databaseUrl: config.databaseUrl, config, logLevel: config.logLevel, pretty: pretty !== undefined, logger: early }, handle);
  deliveriesReady.catch(() => undefined); // awaited after listen; until then a failure is not unhandled
  const { app, ctx, intake, inbound, openPages } = await buildApp({ handle, clock: systemClock, config: { ...config, secretKey: signingKey(config) }, logger: { level: config.logLevel, ...(pretty ? { stream: pretty } : {}) }, hub, liveHeartbeatMs: config.liveHeartbeatSeconds * 1000 });
  early.use(app.log);

  const firstAdmin = await ensureFirstAdmin(ctx, config.adminPassword);
  if (firstAdmin?.generated) {
    console.log(`Created the first admin, username "${firstAdmin.username}". Its password, shown only this once, is on the next line:`);
    console.log(firstAdmin.password);
  } else if (firstAdmin) {
    app.log.info('created the first admin "admin" with ADMIN_PASSWORD');
  }

  const reportJobError = (error: unknown) => app.log.error({ err: error }, 'background job failed');
  const slaMonitor = startSlaMonitor(ctx, reportJobError);
  // A new ticket may be due sooner than the deadline the monitor sleeps towards.
  hub.subscribe((event) => {
    if (event.kind === 'ticket' && event.type === 'created') slaMonitor.wake();
    // Every ticket change enqueues emails: send them now rather than at the next poll.
    if (event.kind === 'ticket') deliveries.nudge();
  });
  // Idle sessions end (offline) and, unless AUTO_AWAY_MINUTES=0, agents without an open page go away.
  // Pending closes (the undo window) commit in whichever process looks first; each exactly once.
  const autoAway = { minutes: config.autoAwayMinutes, openHere: () => openPages.here() };
  const jobs = [startPresenceExpiry(ctx, config.sessionIdleMinutes, reportJobError, presenceCheckMs(config.autoAwayMinutes), autoAway), slaMonitor, startPendingCloseJob(ctx, reportJobError), startRoutingDueJob(ctx, reportJobError)];
  // The support mailbox (§10): every process runs a watcher; the one holding the lease reads the mailbox.
  const { imapUrl, imapPollSeconds, imapLeaseSeconds, imapProcessedFolder } = config.inbound;
  if (imapUrl) {
    // Loaded only here: a server without a mailbox does not carry the IMAP client.
    const { ImapWatcher } = await import('./mail/inbound/imap.js');
    const watcher = new ImapWatcher({ ctx, intake, setting: inbound }, {
      url: imapUrl,
      pollSeconds: imapPollSeconds,
      processedFolder: imapProcessedFolder,
      logger: app.log,
      lease: { durationMs: imapLeaseSeconds * 1000 },
    });
    jobs.push(watcher.start());
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    // A second signal while stopping (a second Ctrl-C): the operator will not wait for the requests
    // and sends in flight. Exit 1 at once, as the 15 s guard would: what was cut off is retried
    // (emails and webhooks by their leases, requests by their clients).
    if (closing) {
      app.log.warn({ signal }, 'second signal while shutting down: stop forced, exiting now without waiting for the work in flight');
      process.exit(1);
    }
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await app.close();
    await Promise.all([...jobs.map((job) => job.stop()), deliveries.stop()]);
    await hub.close();
    await handle.destroy();
    process.exit(0);
  };
  // Before listening: a process manager may stop the server as soon as it says it listens, and a
  // signal that comes before its handler ends the process at once.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  try {
    // A process with a mail server answers once its delivery thread has tried to take the lease
    // that announces it (jobs/mailSenderLease.ts): from its first answer, processes without one
    // leave the emails to it. Only senders wait (the thread mostly started meanwhile, and one
    // statement more); the quick start answers as soon as it listens.
    if (config.smtpUrl) await deliveriesReady;
    await app.listen({ port: config.port, host: config.host }).catch((error: unknown) => {
      const problem = listenProblem(error, config.host, config.port);
      throw problem === null ? error : new ConfigError(problem);
    });
    // A delivery thread that cannot start stops the server, as any failed start-up does.
    await deliveriesReady;
  } catch (error) {
    // The jobs started before listening: a start-up that fails now (a port in use) gives up what
    // they hold, the mailbox lease above all, so that another process, or this one started again,
    // reads mail at once instead of after the lease runs out (up to a minute).
    await Promise.allSettled([...jobs.map((job) => job.stop()), deliveries.stop()]);
    throw error;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? `Start-up failed: ${error.message}` : error);
  process.exit(1);
});
