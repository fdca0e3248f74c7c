/**
 * npm run mail:ingest < message.eml
 * The email channel's pipe (§10): a mail server (Postfix, Exim) hands one raw message on standard
 * input. Prints the result on one line and exits 0 when the mail is handled (duplicates, ignored
 * and rejected mail included: trying again would change nothing), 75 (EX_TEMPFAIL) when it could
 * not be stored or handled (no database, bad configuration), so the mail server keeps it and tries
 * again. Nothing is lost between the two: see src/services/inbound.ts. `--help` prints the usage;
 * any other argument is refused (exit 75) before standard input is read.
 */
import { referenceOf } from '../core/tickets.js';
import { createChangeHub } from '../live/postgresHub.js';
import { type ServiceContext, systemClock } from '../services/context.js';
import { ingestMail } from '../services/inbound.js';
import { TicketIntake } from '../services/intake.js';
import { cliConfig, openDatabase } from './context.js';
import { parseArgs, UsageError } from './args.js';
import { CommandError, runCommand } from './run.js';

/** sysexits.h: a temporary failure; the mail server retries later. */
const EX_TEMPFAIL = 75;

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const USAGE = 'Usage: npm run mail:ingest < message.eml (the raw mail on standard input; it takes no options; DATABASE_URL and the mail settings as for the server)';

async function main(): Promise<number> {
  // Checked before standard input is read. A wrong option is a mistake in the mail server's pipe
  // command: exit 75 like any other failure here (UsageError's 2 would make the mail server bounce
  // the customer's mail), so the mail waits in its queue until the command is put right.
  try {
    if (parseArgs(process.argv.slice(2), { usage: USAGE }) === null) {
      console.log(USAGE);
      return 0;
    }
  } catch (error) {
    throw error instanceof UsageError ? new CommandError(error.message, EX_TEMPFAIL) : error;
  }
  const config = cliConfig();
  const raw = await readStdin();
  const handle = await openDatabase(config.databaseUrl, { poolSize: 2 });
  try {
    // Live pages of the server processes hear of the change (on PostgreSQL, through NOTIFY).
    const hub = createChangeHub(handle, config.databaseUrl, () => undefined);
    const ctx: ServiceContext = { handle, clock: systemClock, publicUrl: config.publicUrl, onChanges: (changes) => hub.publishTickets(changes) };
    try {
      const outcome = await ingestMail(ctx, new TicketIntake(ctx), { mailFrom: config.mailFrom, mailReplyTo: config.mailReplyTo, maxBytes: config.inbound.maxBytes, ticketsPerHour: config.inbound.ticketsPerHour }, raw, 'pipe');
      const ticket = outcome.ticketId === null ? '' : ` ${referenceOf(outcome.ticketId)}`;
      console.log(`${outcome.result}${ticket}${outcome.reason ? `: ${outcome.reason}` : ''}`);
      return 0;
    } finally {
      await hub.close();
    }
  } finally {
    await handle.destroy().catch(() => undefined);
  }
}

runCommand('mail:ingest', main, { exitCode: EX_TEMPFAIL, lead: 'mail:ingest could not store the mail (the mail server will try again)' });
