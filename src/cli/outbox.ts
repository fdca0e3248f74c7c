/**
 * `npm run outbox`: what the outbox worker has not delivered (pending, sending, failed), and the
 * retry of failed emails.
 *
 *   npm run outbox                          list pending, sending and failed emails
 *   npm run outbox -- --status sent         list one status (pending|sending|sent|logged|skipped|failed|bounced|all)
 *   npm run outbox -- --limit 500           list more than the last 100
 *   npm run outbox -- retry <id>            put one failed email back in the queue
 *   npm run outbox -- retry --all-failed    put every failed email back (also: --all-failed alone)
 */
import { parseArgs } from 'node:util';
import { DomainError } from '../core/errors.js';
import type { OutboxRow } from '../db/schema.js';
import { listOutbox, OUTBOX_STATUSES, type OutboxStatus } from '../repositories/outbox.js';
import type { ServiceContext } from '../services/context.js';
import { retryAllFailed, retryFailedEmail } from '../services/outbox.js';
import { openForCli } from './context.js';
import { CommandError, runCommand } from './run.js';

const USAGE = 'usage: npm run outbox [-- --status pending|sending|sent|logged|skipped|failed|bounced|all] [--limit N] | retry <id> | retry --all-failed';

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

async function retry(ctx: ServiceContext, positionals: string[], allFailed: boolean): Promise<void> {
  if (allFailed) {
    const count = await retryAllFailed(ctx);
    console.log(`${count} failed email(s) put back in the queue.`);
    return;
  }
  const raw = positionals[1];
  if (raw === undefined || !/^\d+$/.test(raw)) throw new UsageError('retry needs an email id (see the first column of `npm run outbox`), or --all-failed');
  const outcome = await retryFailedEmail(ctx, Number(raw)).catch((error: unknown) => {
    if (error instanceof DomainError && error.code === 'not_found') throw new UsageError(`there is no email ${raw}`);
    throw error;
  });
  if (!outcome.retried) throw new UsageError(`email ${raw} is ${outcome.status}, not failed (only failed emails can be retried)`);
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
  const command = positionals[0] ?? (values['all-failed'] ? 'retry' : 'list');
  if (command !== 'list' && command !== 'retry') throw new UsageError(`unknown command "${command}"`);
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a whole number ≥ 1');
  const statuses = statusesOf(values.status);

  const { ctx, handle } = await openForCli();
  try {
    if (command === 'retry') await retry(ctx, positionals, values['all-failed']);
    else printRows(await listOutbox(handle.db, { status: statuses, limit }));
  } finally {
    await handle.destroy();
  }
}

runCommand('outbox', main);
