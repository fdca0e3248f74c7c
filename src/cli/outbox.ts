/**
 * `npm run outbox`: what the outbox worker has not delivered (pending, sending, failed), and the
 * retry of failed emails and of emails only logged (no mail server at the time).
 *
 *   npm run outbox                          list pending, sending and failed emails
 *   npm run outbox -- --status logged       list one status (pending|sending|sent|logged|skipped|failed|bounced|all)
 *   npm run outbox -- --limit 500           list more than the last 100
 *   npm run outbox -- retry <id>            put one failed or logged email back in the queue
 *   npm run outbox -- retry --all-failed    put every failed email back (also: --all-failed alone)
 *   npm run outbox -- retry --all-logged    put every logged email back, to be sent (needs SMTP_URL)
 */
import { parseArgs } from 'node:util';
import { DomainError } from '../core/errors.js';
import type { OutboxRow } from '../db/schema.js';
import { listOutbox, OUTBOX_STATUSES, type OutboxStatus } from '../repositories/outbox.js';
import type { ServiceContext } from '../services/context.js';
import { retryAllEmailsIn, retryUndeliveredEmail } from '../services/outbox.js';
import { openForCli } from './context.js';
import { CommandError, runCommand } from './run.js';

const USAGE = `usage: npm run outbox [-- --status ${OUTBOX_STATUSES.join('|')}|all] [--limit N] | retry <id> | retry --all-failed | retry --all-logged`;

/** Why a logged email cannot be sent from here. */
const NO_MAIL_SERVER = 'SMTP_URL is unset here: set it (as on every process sharing the database), then retry';

/** A refused command line or id: its line, then the usage. */
class UsageError extends CommandError {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
  }
}

function statusesOf(raw: string | undefined): readonly OutboxStatus[] {
  if (raw === undefined) return ['pending', 'sending', 'failed'];
  if (raw === 'all') return OUTBOX_STATUSES;
  const status = OUTBOX_STATUSES.find((s) => s === raw.toLowerCase());
  if (!status) throw new UsageError(`--status must be one of ${OUTBOX_STATUSES.join(', ')}, all`);
  return [status];
}

function when(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function printRows(rows: OutboxRow[]): void {
  if (rows.length === 0) {
    console.log('No emails.');
    return;
  }
  const header = ['ID', 'STATUS', 'KIND', 'TRIES', 'NEXT TRY / SENT (UTC)', 'TO', 'SUBJECT', 'LAST ERROR'];
  const lines = rows.map((r) => [
    String(r.id),
    r.status,
    r.kind,
    String(r.attempts),
    // A bounced email was sent; its reason (the delivery report's) is its last error.
    r.status === 'sent' || r.status === 'logged' || r.status === 'bounced' ? when(r.sent_at) : r.status === 'failed' || r.status === 'skipped' ? '-' : when(r.next_attempt_at),
    r.to_address,
    r.subject.length > 60 ? `${r.subject.slice(0, 59)}…` : r.subject,
    (r.last_error ?? '').replace(/\s+/g, ' ').slice(0, 120),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const line of [header, ...lines]) console.log(line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

async function retry(ctx: ServiceContext, positionals: string[], all: 'failed' | 'logged' | null, canSend: boolean): Promise<void> {
  if (all === 'logged' && !canSend) throw new CommandError(`Logged emails not retried: ${NO_MAIL_SERVER}.`);
  if (all !== null) {
    const count = await retryAllEmailsIn(ctx, all);
    console.log(`${count} ${all} email(s) put back in the queue.`);
    return;
  }
  const raw = positionals[1];
  if (raw === undefined || !/^\d+$/.test(raw)) throw new UsageError('retry needs an email id (see the first column of `npm run outbox`), --all-failed or --all-logged');
  const outcome = await retryUndeliveredEmail(ctx, Number(raw), { canSend }).catch((error: unknown) => {
    if (error instanceof DomainError && error.code === 'not_found') throw new UsageError(`there is no email ${raw}`);
    throw error;
  });
  if (outcome.refused === 'needs_mail_server') throw new CommandError(`Email ${raw} was only logged, not sent, and ${NO_MAIL_SERVER}.`);
  if (!outcome.retried) throw new UsageError(`email ${raw} is ${outcome.status}, not failed or logged (only those can be retried)`);
  console.log(`Email ${raw} put back in the queue; the worker sends it shortly.`);
}

function parseArguments() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        status: { type: 'string' },
        limit: { type: 'string' },
        'all-failed': { type: 'boolean', default: false },
        'all-logged': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // parseArgs explains an unknown or malformed option in its message.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArguments();
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (values['all-failed'] && values['all-logged']) throw new UsageError('--all-failed and --all-logged go one at a time');
  const all = values['all-failed'] ? 'failed' : values['all-logged'] ? 'logged' : null;
  const command = positionals[0] ?? (all !== null ? 'retry' : 'list');
  if (command !== 'list' && command !== 'retry') throw new UsageError(`unknown command "${command}"`);
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number ≥ 1');
  const statuses = statusesOf(values.status);

  const { config, ctx, handle } = await openForCli();
  try {
    if (command === 'retry') await retry(ctx, positionals, all, config.smtpUrl !== undefined);
    else printRows(await listOutbox(handle.db, { status: statuses, limit }));
  } finally {
    await handle.destroy();
  }
}

runCommand('outbox', main);
