/** A fresh database, a fake clock, a real SMTP server and an outbox worker sending to it. */
import { afterEach, beforeEach } from 'vitest';
import type { Dialect } from '../../../src/db/connect.js';
import { createSmtpMailer, type MailLog, type Mailer, type SmtpTimeouts } from '../../../src/mail/transport.js';
import { OutboxWorker, type OutboxWorkerOptions, type WorkerLogger } from '../../../src/mail/worker.js';
import type { ServiceContext } from '../../../src/services/context.js';
import { createUser } from '../../../src/services/users.js';
import { FakeClock } from '../../support/clock.js';
import { type ReceivedEmail, startSmtpServer, type TestSmtpServer } from './smtp.js';
import { freshDatabase, type TestDatabase } from '../../support/db.js';

export const MAIL_FROM = 'Helpdesk <support@helpdesk.example>';
export const PUBLIC_URL = 'https://help.example.com';

/**
 * Timeouts short enough that a test of a hung server ends in seconds (a dead one refuses at once),
 * long enough that a working test server always makes them on a loaded machine: most sends here
 * are expected to succeed, and the server answers from the test's own process, whose event loop
 * SQLite's synchronous work holds (a 1 s greeting was missed under a load of 30).
 */
export const FAST_TIMEOUTS: Partial<SmtpTimeouts> = { connectionMs: 10_000, greetingMs: 5_000, socketMs: 10_000 };

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that keeps what it is told, for assertions. */
export function memoryLogger(): WorkerLogger & MailLog & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    debug: (fields, message) => entries.push({ level: 'debug', fields, message }),
    info: (fields, message) => entries.push({ level: 'info', fields, message }),
    warn: (fields, message) => entries.push({ level: 'warn', fields, message }),
    error: (fields, message) => entries.push({ level: 'error', fields, message }),
  };
}

export interface Testbed {
  database: TestDatabase;
  clock: FakeClock;
  ctx: ServiceContext;
  /** A worker on this database sending through `smtpUrl`; stopped and closed by `close()`. */
  worker(smtpUrl: string, options?: Partial<OutboxWorkerOptions>): OutboxWorker;
  close(): Promise<void>;
}

export async function testbed(dialect: Dialect): Promise<Testbed> {
  const database = await freshDatabase(dialect);
  const clock = new FakeClock();
  const ctx: ServiceContext = { handle: database.handle, clock, publicUrl: PUBLIC_URL };
  const workers: OutboxWorker[] = [];
  const mailers: Mailer[] = [];
  return {
    database,
    clock,
    ctx,
    worker(smtpUrl, options = {}) {
      const mailer = createSmtpMailer(smtpUrl, FAST_TIMEOUTS);
      mailers.push(mailer);
      const worker = new OutboxWorker({ handle: database.handle, mailer, clock, from: MAIL_FROM, logger: memoryLogger(), ...options });
      workers.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      for (const mailer of mailers) mailer.close();
      await database.drop();
    },
  };
}

/**
 * For each test of the describe it is called in: a fresh testbed and a real SMTP server, both closed
 * after the test. Read `bed` and `smtp` inside the tests: they are new before each.
 */
export function eachTestbedWithSmtp(dialect: Dialect): { readonly bed: Testbed; readonly smtp: TestSmtpServer } {
  const each = {} as { bed: Testbed; smtp: TestSmtpServer };
  beforeEach(async () => {
    each.bed = await testbed(dialect);
    each.smtp = await startSmtpServer();
  });
  afterEach(async () => {
    await each.bed.close();
    await each.smtp.close();
  });
  return each;
}

/** An agent, created offline. */
export async function createAgent(ctx: ServiceContext, username: string, displayName: string, capacity?: number): Promise<number> {
  return createUser(ctx, {
    username,
    display_name: displayName,
    email: `${username}@staff.example`,
    password: 'correct horse battery',
    role: 'agent',
    ...(capacity === undefined ? {} : { capacity }),
  }, null);
}

/** A valid ticket form, with any field overridden. */
export function ticketForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    name: 'Carla Customer',
    email: 'carla@customer.example',
    title: 'Printer on fire',
    description: 'It smells of toner.',
    priority: 'high',
    ...overrides,
  };
}

/** Runs the worker once per call and returns what reached the mail server since the last call. */
export function deliveries(worker: OutboxWorker, smtp: TestSmtpServer): () => Promise<ReceivedEmail[]> {
  let seen = smtp.received.length;
  return async () => {
    await worker.runOnce();
    const fresh = smtp.received.slice(seen);
    seen = smtp.received.length;
    return fresh;
  };
}
