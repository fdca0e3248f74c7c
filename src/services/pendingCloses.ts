/**
 * The close undo window (issue 23 item 1; the decisions are in src/core/pendingClose.ts): asking
 * for a close on an agent page, undoing it, and committing the closes whose window has passed
 * (the job in src/jobs/pendingCloses.ts calls commitDuePendingCloses in every server process).
 */
import { forbidden, notFound } from '../core/errors.js';
import { decideCloseRequest, decideCommit, decideUndo, type CloseActor } from '../core/pendingClose.js';
import { clearPendingClose, duePendingCloses, setPendingClose } from '../repositories/pendingCloses.js';
import { findTicketById } from '../repositories/tickets.js';
import type { RequestOrigin } from './audit.js';
import type { ServiceContext } from './context.js';
import { lockTicketInRun, withRouting } from './routing.js';
import { closeInRun, closeTicket } from './tickets.js';

export type CloseRequestResult =
  /** Closed at once (no window, or an admin). */
  | { kind: 'closed' }
  | { kind: 'already-closed' }
  /** Pending: commits at `dueAt` unless undone. */
  | { kind: 'pending'; dueAt: number };

/**
 * A click on Close. With a window (`windowMs` > 0) an agent's close is recorded as pending and
 * committed by the job at the end of the window; a second click keeps the first instant.
 * Without one, or for an admin, it closes now (R4).
 */
export async function requestClose(ctx: ServiceContext, actor: CloseActor & RequestOrigin, ticketId: number, windowMs: number): Promise<CloseRequestResult> {
  const ticket = await findTicketById(ctx.handle.db, ticketId);
  if (!ticket) throw notFound('Ticket');
  const decision = decideCloseRequest(ticket, actor, ctx.clock.now(), windowMs);
  switch (decision.kind) {
    case 'forbidden':
      throw forbidden('Only the agent holding this ticket can close it.');
    case 'already-closed':
      return { kind: 'already-closed' };
    case 'already-pending':
      return { kind: 'pending', dueAt: decision.dueAt };
    case 'close-now':
      return (await closeTicket(ctx, actor, ticketId)) ? { kind: 'closed' } : { kind: 'already-closed' };
    case 'pend':
      if (await setPendingClose(ctx.handle.db, ticketId, actor.id, decision.dueAt)) return { kind: 'pending', dueAt: decision.dueAt };
      // The ticket changed between the read and the write (moved, closed, another click): decide on what is there now.
      return requestClose(ctx, actor, ticketId, windowMs);
  }
}

/** `too-late`: the close has committed; the ticket stays closed (I1), and the caller says so. */
export type UndoResult = 'undone' | 'nothing-pending' | 'too-late';

/** Undo: clears the pending close. */
export async function undoClose(ctx: ServiceContext, actor: CloseActor, ticketId: number): Promise<UndoResult> {
  const ticket = await findTicketById(ctx.handle.db, ticketId);
  if (!ticket) throw notFound('Ticket');
  const decision = decideUndo(ticket, actor);
  if (decision.kind === 'forbidden') throw forbidden('Only the agent who closed this ticket can undo it.');
  if (decision.kind === 'closed') return 'too-late';
  if (decision.kind === 'nothing-pending') return 'nothing-pending';
  // Only the close this undo was decided on: the ticket may have moved meanwhile, and a close its
  // new holder clicked is that agent's decision, not this one's to undo.
  if (await clearPendingClose(ctx.handle.db, ticketId, ticket.close_requested_by ?? undefined)) return 'undone';
  // Lost a race with the job (committed) or with a move (cleared, or closing by another): report what happened.
  return undoClose(ctx, actor, ticketId);
}

/**
 * Commits the pending closes due at `now`, at most `limit` in one routing transaction, each as the
 * ordinary close by the agent who asked (same event, email, R2/R3: I4), at the commit's time. A
 * pending close that no longer stands is dropped. Returns how many closed and whether more may be due.
 */
export async function commitDuePendingCloses(ctx: ServiceContext, now: number, limit: number): Promise<{ closed: number; more: boolean }> {
  return withRouting(ctx, null, async (run) => {
    const ids = await duePendingCloses(run.trx, run.handle.dialect, now, limit);
    let closed = 0;
    for (const id of ids) {
      // Read inside the routing lock: what another process committed before is seen here.
      const ticket = await lockTicketInRun(run, id);
      if (!ticket) continue;
      const decision = decideCommit(ticket, now);
      if (decision.kind === 'drop') await clearPendingClose(run.trx, id);
      // markClosed clears the pending columns and changes nothing on a closed ticket.
      if (decision.kind === 'commit' && (await closeInRun(run, decision.actor, ticket, { emailCustomer: true }))) closed++;
    }
    return { closed, more: ids.length === limit };
  });
}
