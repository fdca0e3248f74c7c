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
import { type NewTicketInput, validateNewTicket } from '../core/tickets.js';
import { Batcher } from '../db/batcher.js';
import type { TicketRow } from '../db/schema.js';
import type { ServiceContext } from './context.js';
import { createTickets } from './tickets.js';

/** One server process's ticket intake: submit() resolves with the committed ticket. */
export class TicketIntake {
  private readonly batcher: Batcher<NewTicketInput, TicketRow>;

  constructor(ctx: ServiceContext) {
    this.batcher = new Batcher((inputs) => createTickets(ctx, inputs));
  }

  /**
   * Validates a customer's form or API body (throws `invalid_input` at once, before any waiting)
   * and creates the ticket together with those arriving alongside it.
   */
  async submit(raw: Record<string, unknown>): Promise<TicketRow> {
    return this.batcher.add(validateNewTicket(raw));
  }
}
