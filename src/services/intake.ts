/**
 * Ticket intake with group commit (src/db/batcher.ts). Every routing decision is serialised
 * (SPEC §3: the routing lock on PostgreSQL, the write lock on SQLite), so tickets are created one
 * transaction at a time, and each transaction pays a fixed price: the lock, reading the settings,
 * the agents' loads and the queue, and a commit that waits for the disk. Paid per ticket, that
 * price capped intake at one ticket per commit (bench:intake: 130 tickets/s on PostgreSQL).
 *
 * So a server process runs one intake transaction at a time, and the tickets that arrive meanwhile
 * go together in the next one (createTickets: R1 applied to each in arrival order, multi-row
 * inserts). Each request is answered after its batch commits, so a 303 still means durable (I5).
 * What one transaction decides for several tickets is what one-at-a-time creation decides for
 * tickets arriving in that order in the same millisecond, so R1 and I1–I4 hold as before.
 */
import { invalidInput } from '../core/errors.js';
import { labelled } from '../core/fieldErrors.js';
import { isSameSubmission, NEW_TICKET_LABELS, type NewTicketInput, validateNewTicket } from '../core/tickets.js';
import { findTopicByNameOrId } from '../repositories/topics.js';
import { Batcher } from '../db/batcher.js';
import type { MessageChannel, TicketRow } from '../db/schema.js';
import type { IncomingFile } from '../repositories/attachments.js';
import type { InboundRecord } from '../repositories/inbound.js';
import { findTicketsByIntakeKeys } from '../repositories/tickets.js';
import type { ServiceContext } from './context.js';
import type { MailCcs } from './ticketCcs.js';
import { type CreatedTicket, createTicketsOrRefuse } from './tickets.js';
import { type RefusedMail, uncapped } from './intakeCap.js';
import { randomBase64url } from './random.js';

/** What a submission may bring besides the form's fields: its channel (default `web`) and files. */
export interface SubmissionExtras {
  channel?: MessageChannel;
  /** Already checked against the limits of §10.1. */
  files?: readonly IncomingFile[];
  /** The mail the ticket came from (§10): its inbound log row, written with the ticket. */
  mail?: InboundRecord;
  /** The people the mail copied (§10 Cc): kept on the ticket. */
  ccs?: MailCcs;
  /** The topic (§12), already checked; absent: the first topic not hidden. */
  topicId?: number;
  /** With `mail`: INBOUND_TICKETS_PER_HOUR, its sender's cap (§10 rule 7), read again where the ticket is written. */
  senderCap?: number;
  /**
   * The customer form's one-time key (core/formReceipts.ts formKeyOf): its submission's request key,
   * so the form sent twice (a double click, Back and Send) makes one ticket (submitValid).
   */
  formKey?: string | null;
}

/** A validated submission with its request key (tickets.intake_key, unique). */
export type KeyedSubmission = NewTicketInput & SubmissionExtras & { intakeKey: string };

/** How a batch is written: createTicketsOrRefuse, or (in tests) something wrapped around it. */
export type IntakeWrite = (ctx: ServiceContext, submissions: readonly KeyedSubmission[]) => Promise<(CreatedTicket | RefusedMail)[]>;

/**
 * One server process's ticket intake: submit() resolves with the committed ticket.
 *
 * Each submission gets a random request key, stored with its ticket. A write that failed may have
 * committed all the same (the connection dropped while COMMIT's answer was on its way); before
 * writing a submission again, the batcher asks which keys are stored and answers those callers
 * with their stored tickets, so no retry creates a second ticket, event or email. The unique index
 * on the key refuses a duplicate even if a late commit lands between that check and the retry.
 * How often a failed batch is written again is the batcher's policy (src/db/batcher.ts).
 */
export class TicketIntake {
  private readonly batcher: Batcher<KeyedSubmission, CreatedTicket | RefusedMail>;

  constructor(
    private readonly ctx: ServiceContext,
    write: IntakeWrite = createTicketsOrRefuse,
  ) {
    this.batcher = new Batcher((submissions) => write(ctx, submissions), undefined, {
      committed: (submissions) => storedTickets(ctx, submissions),
    });
  }

  /**
   * Validates a customer's form or API body (throws `invalid_input` at once, before any waiting)
   * and creates the ticket together with those arriving alongside it.
   */
  async submit(raw: Record<string, unknown>, extra: SubmissionExtras = {}): Promise<CreatedTicket> {
    const input = validateNewTicket(raw);
    if (input.topic === undefined) return this.submitValid(input, extra);
    // The one check that needs the database, before any waiting: a topic that does not exist is
    // the customer's 400, not a ticket of another topic. A hidden topic is reached only through its
    // inbound addresses: by name it does not exist for the form or the API.
    const db = this.ctx.handle.db;
    const topic = this.ctx.topicNames ? await this.ctx.topicNames.find(db, input.topic) : await findTopicByNameOrId(db, input.topic);
    if (!topic || topic.hidden === 1) throw invalidInput(labelled({ topic: 'No topic has this name.' }, NEW_TICKET_LABELS));
    return this.submitValid(input, { ...extra, topicId: topic.id });
  }

  /**
   * submit() for a ticket already made valid by its caller. A form key already used, for the same
   * submission (core/tickets.ts isSameSubmission), answers with the ticket it made, also while that
   * one is still being written here; a form changed in between gets a fresh key and is a new
   * ticket. Two processes writing one key at once: the unique key refuses the second write, and
   * the batcher answers it with the stored ticket.
   */
  async submitValid(input: NewTicketInput, extra: SubmissionExtras = {}): Promise<CreatedTicket> {
    const { formKey = null, ...rest } = extra;
    const write = (intakeKey: string) => this.batcher.add({ ...input, ...rest, intakeKey }).then(uncapped);
    if (formKey === null) return write(newIntakeKey());
    // Asked again after the read: the same form may have started meanwhile.
    const made = this.inFlight.get(formKey) ?? (await findTicketsByIntakeKeys(this.ctx.handle.db, [formKey]))[0] ?? this.inFlight.get(formKey);
    if (made !== undefined) {
      const ticket = await made;
      return isSameSubmission(input, ticket) ? ticket : write(newIntakeKey());
    }
    const writing = write(formKey);
    this.inFlight.set(formKey, writing);
    try {
      return await writing;
    } finally {
      this.inFlight.delete(formKey);
    }
  }

  /** The form keys being written by this process, with their tickets to come. */
  private readonly inFlight = new Map<string, Promise<CreatedTicket>>();

  /**
   * The email channel's ticket (ticketFromMail), under its sender's cap (§10 rule 7, `senderCap`):
   * refused, and logged `rejected`, when the sender's tickets counted in the writing transaction
   * reach it (services/intakeCap.ts).
   */
  async submitMail(input: NewTicketInput, extra: SubmissionExtras & { mail: InboundRecord; senderCap: number }): Promise<CreatedTicket | RefusedMail> {
    return this.batcher.add({ ...input, ...extra, intakeKey: newIntakeKey() });
  }
}

/** 128 random bits, URL-safe: unique per submission without coordination between processes. */
function newIntakeKey(): string {
  return randomBase64url(16);
}

/**
 * The tickets already stored for these submissions (undefined for the others), in order. The
 * failed write published nothing; its tickets are announced now, so live pages and the outbox
 * worker hear of them as of any other new ticket.
 */
async function storedTickets(ctx: ServiceContext, submissions: readonly KeyedSubmission[]): Promise<(TicketRow | undefined)[]> {
  const byKey = new Map((await findTicketsByIntakeKeys(ctx.handle.db, submissions.map((s) => s.intakeKey))).map((t) => [t.intake_key, t]));
  const stored = submissions.map((s) => byKey.get(s.intakeKey));
  const found = stored.filter((t) => t !== undefined);
  if (found.length > 0) ctx.onChanges?.(found.map((t) => ({ ticketId: t.id, type: 'created', fromAgentId: null, toAgentId: t.agent_id })));
  return stored;
}
