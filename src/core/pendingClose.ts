/**
 * The close undo window (issue 23 item 1), as pure decisions.
 *
 * SPEC I1 says a closed ticket never changes status again, so an undo after a committed close would
 * break it. The close therefore commits *after* the window: clicking Close on an agent page records
 * a pending close on the ticket (`close_due_at`, `close_requested_by`); Undo clears it; the
 * pending-close job (src/jobs/pendingCloses.ts) commits it through the ordinary close (R4: the same
 * event, email, R2/R3) once `close_due_at` has passed. The ticket's close time is that commit's
 * time, not the click's.
 *
 * A pending close is the requesting agent's decision about a ticket it holds, so anything that takes
 * the ticket from that agent (an admin's reassignment or send-back, R5's release on logout, R3)
 * cancels it: the next holder decides afresh. A reply in the conversation form with "Reply and
 * close" ticked closes at once, as before: the reply goes out with the closing email in one message
 * and cannot be taken back, so a window on the close alone would only split that email in two.
 */
import type { MessageKind } from './conversation.js';

/** What a pending close on a ticket looks like (the two columns, when set). */
export interface PendingClose {
  dueAt: number;
  requestedBy: number;
}

/** The parts of a ticket these decisions read. */
export interface TicketForClose {
  status: 'open' | 'closed';
  agent_id: number | null;
  close_due_at: number | null;
  close_requested_by: number | null;
}

export interface CloseActor {
  id: number;
  role: 'agent' | 'admin';
}

/** The longest window accepted (CLOSE_UNDO_SECONDS): a minute; longer would read as a forgotten close. */
export const MAX_CLOSE_UNDO_SECONDS = 60;
/** The default window (CLOSE_UNDO_SECONDS unset). */
export const DEFAULT_CLOSE_UNDO_SECONDS = 10;

/** The ticket's pending close, or null when none is (a closed ticket has none). */
export function pendingCloseOf(ticket: TicketForClose): PendingClose | null {
  if (ticket.status !== 'open' || ticket.close_due_at === null || ticket.close_requested_by === null) return null;
  return { dueAt: ticket.close_due_at, requestedBy: ticket.close_requested_by };
}

export type CloseRequestDecision =
  /** Close now (no window, or an admin: admin pages close at once). */
  | { kind: 'close-now' }
  /** Record a pending close committing at `dueAt`. */
  | { kind: 'pend'; dueAt: number }
  /** A close is already pending: keep its instant (a second click does not push it back). */
  | { kind: 'already-pending'; dueAt: number }
  | { kind: 'already-closed' }
  | { kind: 'forbidden' };

/**
 * A click on Close (R4's rule on who may: the ticket's own agent, or an admin). An admin's close
 * stays immediate: the admin ticket pages have no undo window (and the API never has one).
 */
export function decideCloseRequest(ticket: TicketForClose, actor: CloseActor, now: number, windowMs: number): CloseRequestDecision {
  // Who may comes first (as R4's close does): another agent is not told whether the ticket is closed.
  if (actor.role !== 'admin' && ticket.agent_id !== actor.id) return { kind: 'forbidden' };
  if (ticket.status === 'closed') return { kind: 'already-closed' };
  const pending = pendingCloseOf(ticket);
  if (pending) return { kind: 'already-pending', dueAt: pending.dueAt };
  if (actor.role === 'admin' || windowMs <= 0) return { kind: 'close-now' };
  return { kind: 'pend', dueAt: now + windowMs };
}

export type UndoDecision =
  | { kind: 'undo' }
  /** Nothing to undo: never asked, already undone, or cancelled by a move. */
  | { kind: 'nothing-pending' }
  /** Too late: the close has committed (I1: it stays closed). */
  | { kind: 'closed' }
  | { kind: 'forbidden' };

/**
 * Undo: only the agent who asked for the close (still holding the ticket, or there would be nothing
 * pending), or an admin. Undo is possible until the commit, even a moment past `close_due_at` while
 * the job has not run yet: what counts is whether the close has committed.
 */
export function decideUndo(ticket: TicketForClose, actor: CloseActor): UndoDecision {
  // Who may ask comes first: another agent learns nothing about the ticket, not even that it closed.
  if (actor.role !== 'admin' && ticket.agent_id !== actor.id) return { kind: 'forbidden' };
  if (ticket.status === 'closed') return { kind: 'closed' };
  const pending = pendingCloseOf(ticket);
  if (!pending) return { kind: 'nothing-pending' };
  if (actor.role !== 'admin' && pending.requestedBy !== actor.id) return { kind: 'forbidden' };
  return { kind: 'undo' };
}

/**
 * Whether a message written on the ticket ends its pending close. A customer's message does: the
 * close was decided before it arrived, and committing it would close a question nobody has read
 * (the customer being told "closed" right after writing, with no follow-up opened since the ticket
 * was still open). The ticket stays open, waiting on the agent, who may close again once it has
 * read it. An automatic reply (an out-of-office) changes nobody's turn and does not end it; nor does
 * a staff message (the agent may reply, then let the close commit).
 */
export function messageEndsPendingClose(ticket: TicketForClose, message: { kind: MessageKind; automatic: boolean }): boolean {
  return pendingCloseOf(ticket) !== null && message.kind === 'customer' && !message.automatic;
}

export type CommitDecision = { kind: 'commit'; actor: CloseActor } | { kind: 'wait' } | { kind: 'drop' };

/**
 * The job at `now`, over one ticket it read: commit the close once due, as the agent who asked;
 * wait while not due; drop a pending close that no longer stands (the ticket closed meanwhile, or it
 * is no longer held by the agent who asked — moves clear the columns, this is the backstop).
 */
export function decideCommit(ticket: TicketForClose, now: number): CommitDecision {
  const pending = pendingCloseOf(ticket);
  if (!pending) return { kind: 'drop' };
  if (ticket.agent_id !== pending.requestedBy) return { kind: 'drop' };
  if (now < pending.dueAt) return { kind: 'wait' };
  return { kind: 'commit', actor: { id: pending.requestedBy, role: 'agent' } };
}

/** Whole seconds left until `dueAt` (what "Closing HD-2 in 10 s" shows), never below 0. */
export function secondsLeft(dueAt: number, now: number): number {
  return Math.max(0, Math.ceil((dueAt - now) / 1000));
}
