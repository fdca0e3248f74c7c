/**
 * Rule 7 of the email channel (SPEC §10): a sender opens at most INBOUND_TICKETS_PER_HOUR tickets
 * by mail within a sliding hour. decideInbound (core/inbound.ts) reads it on committed state
 * before the mail is written; the transaction that writes new tickets reads it again after its
 * lock (capRefusals), so mails handled at the same moment by several processes pass it no more
 * than mails handled one by one.
 */

/** Rule 7: why a sender who created `created` tickets by mail within the last hour may open no more, or null. */
export function senderCapReason(created: number, ticketsPerHour: number): string | null {
  return created >= ticketsPerHour ? `This sender created ${created} tickets within the last hour (the limit is ${ticketsPerHour}).` : null;
}

/** A mail about to open a ticket, as rule 7 is read again where it is written: its sender, cap, and the sender's tickets counted there. */
export interface CappedMail {
  address: string;
  ticketsPerHour: number;
  created: number;
}

/**
 * Rule 7 read again in the transaction that writes a batch of new tickets: each capped mail's
 * reason to be refused, or null. A mail counts its sender's tickets as read in that transaction
 * plus those of the mails before it in the batch that it lets through, so the mails of one sender
 * in one batch never pass the cap together either.
 */
export function capRefusals(mails: readonly CappedMail[]): (string | null)[] {
  const earlier = new Map<string, number>();
  return mails.map((mail) => {
    const address = mail.address.toLowerCase();
    const before = earlier.get(address) ?? 0;
    const reason = senderCapReason(mail.created + before, mail.ticketsPerHour);
    if (reason === null) earlier.set(address, before + 1);
    return reason;
  });
}
