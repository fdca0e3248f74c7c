/**
 * Customer satisfaction (§13): the rating link of a closed ticket, and recording a rating.
 *
 * The link's token. DECISION: an HMAC, not a stored value: `<ticket id>.<mac>`, where mac is
 * HMAC-SHA256 keyed by the ticket's own status token (128 random bits, stored since the ticket was
 * created) over a fixed label, 128 bits of it in base64url. So it is unguessable and per ticket
 * without a column, a migration backfill or a secret to thread through every process that closes
 * tickets (the web app, the pending-close job, the CLI), the closed email and the reply that closes
 * the ticket carry the same link, and it survives a change of SECRET_KEY. It grants rating only:
 * the status token cannot be recovered from it, so a mail scanner or a forwarded link that logs it
 * cannot read the ticket. Whoever holds the status link can derive it: that is the customer, who
 * may rate anyway. The id in front only finds the row; the MAC is compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../core/errors.js';
import { type CsatScore, ratingDecision, type RatingInput, ratingWrite } from '../core/csat.js';
import { parseId } from '../core/tickets.js';
import type { Db } from '../db/connect.js';
import type { TicketRow } from '../db/schema.js';
import { inTransaction } from '../db/transaction.js';
import { findTicketById, lockTicketForMessage } from '../repositories/tickets.js';
import type { ServiceContext } from './context.js';
import { enqueueWebhooks } from './webhooks.js';

const LABEL = 'helpdesk csat rating v1';

function mac(statusToken: string): string {
  return createHmac('sha256', statusToken).update(LABEL).digest().subarray(0, 16).toString('base64url');
}

/** The rating token of a ticket (see above). */
export function csatToken(ticket: Pick<TicketRow, 'id' | 'token'>): string {
  return `${ticket.id}.${mac(ticket.token)}`;
}

/** The two links of the closed email: `/tickets/rate/<token>/?score=good|bad`, absolute. */
export function ratingUrls(publicUrl: string, ticket: Pick<TicketRow, 'id' | 'token'>): Record<CsatScore, string> {
  const base = `${publicUrl}${ratingPath(csatToken(ticket))}`;
  return { good: `${base}?score=good`, bad: `${base}?score=bad` };
}

/** The rating page of a token (relative). */
export function ratingPath(token: string): string {
  return `/tickets/rate/${encodeURIComponent(token)}/`;
}

/** What every refused or forged token reads: nothing tells a wrong MAC from a missing ticket. */
const NOT_FOUND = 'We could not find that rating link. Check the link in your email.';

/** The ticket a rating token belongs to; not_found for a malformed, forged or unknown token. */
export async function ticketOfRatingToken(db: Db, token: string): Promise<TicketRow> {
  const dot = token.indexOf('.');
  const id = dot === -1 ? null : parseId(token.slice(0, dot));
  const ticket = id === null ? undefined : await findTicketById(db, id);
  if (!ticket || !sameMac(token.slice(dot + 1), mac(ticket.token))) throw new DomainError('not_found', NOT_FOUND);
  return ticket;
}

function sameMac(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Why a rating is refused, in the customer's words (400: nothing is written). */
export const REFUSALS = {
  open: 'This request is still open, so it cannot be rated yet. You can rate it once it is closed, from the link in the closing email.',
  settled: 'This rating can no longer be changed: ratings can be changed for 7 days after the request is closed.',
} as const;

/** Refuses a decision the rule does not allow (core/csat.ts); else its kind. */
function allowed<K extends string>(decision: { kind: K } | { kind: 'refused'; reason: keyof typeof REFUSALS }): K {
  if ('reason' in decision) throw new DomainError('invalid_input', REFUSALS[decision.reason], { score: REFUSALS[decision.reason] });
  return decision.kind;
}

/** Refuses a rating the rule does not allow at `now` (core/csat.ts). */
export function assertRateable(ticket: TicketRow, now: number): 'first' | 'change' {
  return allowed(ratingDecision(ticket, now));
}

/**
 * Records the customer's rating of the ticket behind `token` (one per ticket: a change overwrites
 * it), deciding on the locked row. The csat_summary triggers move the figures in this transaction.
 * The rating already recorded, sent again, is `unchanged`: nothing is written, no webhook queued.
 */
export async function rateTicket(ctx: ServiceContext, token: string, input: RatingInput): Promise<{ ticket: TicketRow; kind: 'first' | 'change' | 'unchanged' }> {
  const found = await ticketOfRatingToken(ctx.handle.db, token);
  return inTransaction(ctx.handle, async (trx) => {
    const ticket = (await lockTicketForMessage(trx, found.id))!;
    const now = ctx.clock.now();
    const kind = allowed(ratingWrite(ticket, input, now));
    if (kind === 'unchanged') return { ticket, kind };
    await trx.updateTable('tickets').set({ csat_score: input.score, csat_comment: input.comment, csat_rated_at: now }).where('id', '=', ticket.id).execute();
    const rated = { ...ticket, csat_score: input.score, csat_comment: input.comment, csat_rated_at: now };
    // `csat.rated` (§13), enqueued in the rating's transaction like every webhook event.
    await enqueueWebhooks(trx, ctx.publicUrl, now, [{ event: 'csat.rated', ticketId: ticket.id, rating: { score: input.score, comment: input.comment, ratedAt: now } }]);
    return { ticket: rated, kind };
  });
}
