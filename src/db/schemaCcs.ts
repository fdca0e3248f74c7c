/** The people a customer copied on their mail (§10 Cc; the ticket-ccs migration). */
import type { Selectable } from 'kysely';

/** One person copied on one ticket: its lower-case address, the name the mail gave, when added. */
export interface TicketCcsTable {
  ticket_id: number;
  address: string;
  name: string;
  added_at: number;
}

export interface CcTables {
  ticket_ccs: TicketCcsTable;
}

export type TicketCcRow = Selectable<TicketCcsTable>;
