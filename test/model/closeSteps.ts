/**
 * The steps that close tickets: R4's close and reply-and-close, and the close undo window (issue
 * 23): a click on Close that waits, its undo, and the job that commits the closes whose window passed.
 */
import { postStaffMessage } from '../../src/services/conversation.js';
import { commitDuePendingCloses, requestClose, undoClose } from '../../src/services/pendingCloses.js';
import { closeTicket } from '../../src/services/tickets.js';
import { attempt, type Desk } from './desk.js';
import { type Outcome, refused, type RoutingModel } from './model.js';
import { type Actor, actorFor, actorText, changedOutcome, pickTicket, Step } from './step.js';

/** The undo window of every pending close (CLOSE_UNDO_SECONDS' default). */
export const UNDO_WINDOW_MS = 10_000;

/** A staff member acting on ticket number `ticket` (modulo the run's tickets): who, and as what. */
abstract class OnTicket extends Step {
  protected ticketId = 0;
  protected actorId: number | null = null;
  protected writer = { id: 0, role: 'admin' as 'agent' | 'admin' };
  constructor(
    readonly ticket: number,
    readonly actor: Actor,
  ) {
    super();
  }
  override check(m: Readonly<RoutingModel>) {
    return m.tickets.size > 0;
  }
  protected override prepare(m: RoutingModel, d: Desk) {
    this.ticketId = pickTicket(m, this.ticket);
    const { id, writer } = actorFor(m, d, this.actor, this.ticketId);
    this.actorId = id;
    this.writer = writer;
    this.picked = `HD-${this.ticketId} by ${id === null ? 'admin' : `agent ${id}`}`;
  }
}

/** R4's close, or reply and close (§9), at once. */
export class Close extends OnTicket {
  constructor(
    ticket: number,
    actor: Actor,
    readonly withReply: boolean,
  ) {
    super(ticket, actor);
  }
  label() {
    return `${this.withReply ? 'replyAndClose' : 'close'}(ticket#${this.ticket}, by ${actorText(this.actor)})`;
  }
  async callService(d: Desk) {
    if (!this.withReply) return changedOutcome(() => closeTicket(d.ctx, this.writer, this.ticketId));
    const reply = { kind: 'reply' as const, body: 'Solved, closing.', close: true, seen: null, channel: 'web' as const };
    return (await attempt(() => postStaffMessage(d.ctx, this.writer, this.ticketId, reply))).outcome;
  }
  applyModel(m: RoutingModel) {
    return this.withReply ? m.replyAndClose(this.actorId, this.ticketId) : m.close(this.actorId, this.ticketId);
  }
}

/** A click on Close with the undo window: pending for an agent, at once for an admin. */
export class RequestClose extends OnTicket {
  label() {
    return `closeWithUndo(ticket#${this.ticket}, by ${actorText(this.actor)})`;
  }
  async callService(d: Desk): Promise<Outcome> {
    const { outcome, value } = await attempt(() => requestClose(d.ctx, this.writer, this.ticketId, UNDO_WINDOW_MS));
    if (value === undefined) return outcome;
    // `pending` does not say whether this click made it pending (a second click in the same instant
    // answers the same): the ticket's pending close is compared with the model's instead.
    return value.kind === 'pending' ? { ok: true } : { ok: true, changed: value.kind === 'closed' };
  }
  applyModel(m: RoutingModel) {
    return m.requestClose(this.actorId, this.ticketId, UNDO_WINDOW_MS);
  }
}

export class UndoClose extends OnTicket {
  label() {
    return `undoClose(ticket#${this.ticket}, by ${actorText(this.actor)})`;
  }
  async callService(d: Desk): Promise<Outcome> {
    const { outcome, value } = await attempt(() => undoClose(d.ctx, this.writer, this.ticketId));
    if (value === undefined) return outcome;
    return value === 'too-late' ? refused('too-late') : { ok: true, changed: value === 'undone' };
  }
  applyModel(m: RoutingModel) {
    return m.undoClose(this.actorId, this.ticketId);
  }
}

/** The pending-close job at the clock's instant. */
export class PendingCloseJob extends Step {
  label() {
    return 'pendingCloseJob()';
  }
  async callService(d: Desk) {
    return (await attempt(() => commitDuePendingCloses(d.ctx, d.clock.now(), 50))).outcome;
  }
  applyModel(m: RoutingModel) {
    return m.commitPendingCloses();
  }
}
