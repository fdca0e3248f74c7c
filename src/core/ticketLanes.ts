/**
 * The emails of one outbox round as lanes (SPEC §5): one lane per ticket, holding that ticket's
 * emails in the order they were written (outbox id), sent one after another so that the customer
 * gets "assigned" before "closed" and two replies in the order they were written; lanes go out
 * beside each other, so other tickets' emails stay concurrent. An email of no ticket (a password
 * reset, a webhook notice) is a lane of its own. Lanes come in the order of their first email.
 *
 * Only within a round: an earlier email of the ticket that failed and waits for its retry does not
 * hold later ones back (a failing or refusing mail server must not stop all of a ticket's mail), so
 * after a failed try the retried email may arrive after later ones.
 */
export function ticketLanes<T extends { id: number; ticket_id: number | null }>(rows: readonly T[]): T[][] {
  const lanes: T[][] = [];
  const ofTicket = new Map<number, T[]>();
  for (const row of [...rows].sort((a, b) => a.id - b.id)) {
    const known = row.ticket_id === null ? undefined : ofTicket.get(row.ticket_id);
    if (known) {
      known.push(row);
      continue;
    }
    const lane = [row];
    lanes.push(lane);
    if (row.ticket_id !== null) ofTicket.set(row.ticket_id, lane);
  }
  return lanes;
}
