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
import { DomainError } from '../core/errors.js';
import type { OutboxRow } from '../db/schema.js';
import { listOutbox, OUTBOX_STATUSES, type OutboxStatus } from '../repositories/outbox.js';
import type { ServiceContext } from '../services/context.js';
import { retryAllEmailsIn, retryUndeliveredEmail } from '../services/outbox.js';
import { parseCommandLine, UsageError } from './args.js';
import { openForCli } from './context.js';
import { CommandError, runCommand } from './run.js';

const USAGE = `Usage: npm run outbox [-- --status ${OUTBOX_STATUSES.join('|')}|all] [--limit N] | retry <id> | retry --all-failed | retry --all-logged`;

/** The most emails one listing shows. */
const MAX_LIMIT = 100_000;

/** Why a logged email cannot be sent from here. */
const NO_MAIL_SERVER = 'SMTP_URL is unset here: set it (as on every process sharing the database), then retry';

/** An id the database refuses (none such, not retryable): its line, then the usage; exit code 1. */
const refusedId = (message: string) => new CommandError(`${message}\n${USAGE}`);

/** A command-line mistake: its line, then the usage; exit code 2, before anything is opened. */
const usageError = (message: string) => new UsageError(message, USAGE);

function statusesOf(raw: string | undefined): readonly OutboxStatus[] {
  if (raw === undefined) return ['pending', 'sending', 'failed'];
  if (raw === 'all') return OUTBOX_STATUSES;
  const status = OUTBOX_STATUSES.find((s) => s === raw.toLowerCase());
  if (!status) throw usageError(`--status must be one of ${OUTBOX_STATUSES.join(', ')}, all.`);
  return [status];
}

/** What the command line asks for. */
type OutboxRequest = { kind: 'list'; statuses: readonly OutboxStatus[]; limit: number } | { kind: 'retry'; id: number } | { kind: 'retry-all'; which: 'failed' | 'logged' };

/**
 * The command line read strictly (README, Operations: Commands): every word and option must belong
 * to the one thing asked for, so `retry 12 --all-failed` (every failed email, or only 12?) or a
 * `--status` given to a retry is refused, not half obeyed. Null: --help.
 */
function requestOf(argv: readonly string[]): OutboxRequest | null {
  const line = parseCommandLine(argv, { usage: USAGE, values: ['status', 'limit'], flags: ['all-failed', 'all-logged'], words: 2 });
  if (line === null) return null;
  const { options, words } = line;
  const all = options['all-failed'] === true ? 'failed' : options['all-logged'] === true ? 'logged' : null;
  if (options['all-failed'] === true && options['all-logged'] === true) throw usageError('--all-failed and --all-logged go one at a time.');
  const [command = all !== null ? 'retry' : 'list', id] = words;
  if (command === 'list') {
    if (id !== undefined) throw usageError(`Unexpected argument ${JSON.stringify(id)}.`);
    if (all !== null) throw usageError(`--all-${all} goes with retry, not with the list.`);
    const limit = typeof options.limit === 'string' ? options.limit : String(100);
    if (!/^[0-9]{1,6}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) throw usageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}.`);
    return { kind: 'list', statuses: statusesOf(typeof options.status === 'string' ? options.status : undefined), limit: Number(limit) };
  }
  if (command !== 'retry') throw usageError(`Unknown command ${JSON.stringify(command)}.`);
  if (options.status !== undefined || options.limit !== undefined) throw usageError('--status and --limit go with the list, not with retry.');
  if (id !== undefined && all !== null) throw usageError('retry takes an email id or --all-failed or --all-logged, not both.');
  if (all !== null) return { kind: 'retry-all', which: all };
  if (id === undefined || !/^\d{1,15}$/.test(id)) throw usageError('retry needs an email id (see the first column of `npm run outbox`), --all-failed or --all-logged.');
  return { kind: 'retry', id: Number(id) };
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

async function retry(ctx: ServiceContext, request: Exclude<OutboxRequest, { kind: 'list' }>, canSend: boolean): Promise<void> {
  if (request.kind === 'retry-all') {
    if (request.which === 'logged' && !canSend) throw new CommandError(`Logged emails not retried: ${NO_MAIL_SERVER}.`);
    const count = await retryAllEmailsIn(ctx, request.which);
    console.log(`${count} ${request.which} email(s) put back in the queue.`);
    return;
  }
  const { id } = request;
  const outcome = await retryUndeliveredEmail(ctx, id, { canSend }).catch((error: unknown) => {
    if (error instanceof DomainError && error.code === 'not_found') throw refusedId(`there is no email ${id}`);
    throw error;
  });
  if (outcome.refused === 'needs_mail_server') throw new CommandError(`Email ${id} was only logged, not sent, and ${NO_MAIL_SERVER}.`);
  if (!outcome.retried) throw refusedId(`email ${id} is ${outcome.status}, not failed or logged (only those can be retried)`);
  console.log(`Email ${id} put back in the queue; the worker sends it shortly.`);
}

async function main(): Promise<void> {
  const request = requestOf(process.argv.slice(2));
  if (request === null) {
    console.log(USAGE);
    return;
  }
  const { config, ctx, handle } = await openForCli();
  try {
    if (request.kind === 'list') printRows(await listOutbox(handle.db, { status: request.statuses, limit: request.limit }));
    else await retry(ctx, request, config.smtpUrl !== undefined);
  } finally {
    await handle.destroy();
  }
}

runCommand('outbox', main);
