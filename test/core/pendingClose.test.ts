import { describe, expect, it } from 'vitest';
import { decideCloseRequest, decideCommit, decideUndo, messageEndsPendingClose, pendingCloseOf, secondsLeft, type TicketForClose } from '../../src/core/pendingClose.js';

const ALICE = { id: 1, role: 'agent' as const };
const BOB = { id: 2, role: 'agent' as const };
const ADMIN = { id: 9, role: 'admin' as const };

function ticket(over: Partial<TicketForClose> = {}): TicketForClose {
  return { status: 'open', agent_id: 1, close_due_at: null, close_requested_by: null, ...over };
}
const pending = (dueAt = 10_000, by = 1) => ticket({ close_due_at: dueAt, close_requested_by: by });

describe('pendingCloseOf', () => {
  it.each<[string, TicketForClose, ReturnType<typeof pendingCloseOf>]>([
    ['none asked', ticket(), null],
    ['asked', pending(5000, 1), { dueAt: 5000, requestedBy: 1 }],
    ['a closed ticket has none, whatever its columns say', { ...pending(), status: 'closed' }, null],
    ['half written (no requester) counts as none', ticket({ close_due_at: 5000 }), null],
  ])('%s', (_, t, expected) => expect(pendingCloseOf(t)).toEqual(expected));
});

describe('decideCloseRequest (now 1000, window 10 s)', () => {
  it.each<[string, TicketForClose, { id: number; role: 'agent' | 'admin' }, number, ReturnType<typeof decideCloseRequest>]>([
    ["the holder's click pends until now + window", ticket(), ALICE, 10_000, { kind: 'pend', dueAt: 11_000 }],
    ['a second click keeps the first instant', pending(7000), ALICE, 10_000, { kind: 'already-pending', dueAt: 7000 }],
    ['window 0 closes at once', ticket(), ALICE, 0, { kind: 'close-now' }],
    ['an admin closes at once (admin pages have no window)', ticket(), ADMIN, 10_000, { kind: 'close-now' }],
    ['an admin on a pending ticket leaves it pending', pending(7000), ADMIN, 10_000, { kind: 'already-pending', dueAt: 7000 }],
    ['another agent may not', ticket(), BOB, 10_000, { kind: 'forbidden' }],
    ['nobody may close a queued ticket but an admin', ticket({ agent_id: null }), ALICE, 10_000, { kind: 'forbidden' }],
    ['closed stays closed (its agent)', ticket({ status: 'closed' }), ALICE, 10_000, { kind: 'already-closed' }],
    ['closed stays closed (an admin)', ticket({ status: 'closed' }), ADMIN, 10_000, { kind: 'already-closed' }],
    ["another agent is refused, not told it is closed", ticket({ status: 'closed' }), BOB, 10_000, { kind: 'forbidden' }],
  ])('%s', (_, t, actor, windowMs, expected) => expect(decideCloseRequest(t, actor, 1000, windowMs)).toEqual(expected));
});

describe('decideUndo', () => {
  it.each<[string, TicketForClose, { id: number; role: 'agent' | 'admin' }, ReturnType<typeof decideUndo>['kind']]>([
    ['the agent who asked', pending(), ALICE, 'undo'],
    ['an admin', pending(), ADMIN, 'undo'],
    ['another agent', pending(), BOB, 'forbidden'],
    ['the holder, when somebody else asked (cannot happen: moves clear it; refused anyway)', pending(10_000, 2), ALICE, 'forbidden'],
    ['after the commit: too late (I1)', { ...pending(), status: 'closed' }, ALICE, 'closed'],
    ['after the commit, another agent: refused, not told it closed', { ...pending(), status: 'closed' }, BOB, 'forbidden'],
    ['a queued ticket (a move cleared it), an agent: refused', ticket({ agent_id: null }), ALICE, 'forbidden'],
    ['nothing asked, or undone already, or cancelled by a move', ticket(), ALICE, 'nothing-pending'],
  ])('%s', (_, t, actor, expected) => expect(decideUndo(t, actor).kind).toBe(expected));
});

describe('decideCommit', () => {
  it.each<[string, TicketForClose, number, ReturnType<typeof decideCommit>]>([
    ['before the instant: wait', pending(10_000), 9_999, { kind: 'wait' }],
    ['at the instant: commit as the agent who asked', pending(10_000), 10_000, { kind: 'commit', actor: ALICE }],
    ['late (a restart): commit', pending(10_000), 60_000, { kind: 'commit', actor: ALICE }],
    ['undone meanwhile: drop', ticket(), 60_000, { kind: 'drop' }],
    ['closed meanwhile (another process, the API): drop', { ...pending(), status: 'closed' }, 60_000, { kind: 'drop' }],
    ['held by another agent now: drop (the backstop of moves clearing it)', { ...pending(10_000, 1), agent_id: 2 }, 60_000, { kind: 'drop' }],
    ['back in the queue: drop', { ...pending(10_000, 1), agent_id: null }, 60_000, { kind: 'drop' }],
  ])('%s', (_, t, now, expected) => expect(decideCommit(t, now)).toEqual(expected));
});

describe('messageEndsPendingClose', () => {
  const customer = { kind: 'customer' as const, automatic: false };
  it.each<[string, TicketForClose, Parameters<typeof messageEndsPendingClose>[1], boolean]>([
    ['a customer message during the window ends it', pending(), customer, true],
    ['a customer message with nothing pending changes nothing', ticket(), customer, false],
    ['an automatic reply (out of office) does not end it', pending(), { kind: 'customer', automatic: true }, false],
    ['a staff reply does not (the agent may answer, then let it close)', pending(), { kind: 'reply', automatic: false }, false],
    ['a note does not', pending(), { kind: 'note', automatic: false }, false],
    ['a closed ticket has nothing pending', { ...pending(), status: 'closed' }, customer, false],
  ])('%s', (_, t, message, expected) => expect(messageEndsPendingClose(t, message)).toBe(expected));
});

describe('secondsLeft', () => {
  it.each<[number, number, number]>([
    [10_000, 0, 10],
    [10_000, 1, 10],
    [10_000, 9_001, 1],
    [10_000, 10_000, 0],
    [10_000, 20_000, 0],
  ])('due %i at %i: %i s', (due, now, expected) => expect(secondsLeft(due, now)).toBe(expected));
});
