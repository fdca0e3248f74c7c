/**
 * R3 never takes a ticket about to close (README "Where agents close tickets, and the undo
 * window"), also when the Close is clicked while a balancing transaction runs. A click records its
 * pending close outside the routing lock (services/pendingCloses.ts requestClose), so on PostgreSQL
 * it can commit after the balancing transaction read the donor's tickets and before it moved one.
 * Before the fix the balance moved that very ticket and cleared its pending close: the agent had
 * been told "Closing HD-2" while the ticket went, still open, to a colleague.
 *
 * PostgreSQL only: on SQLite the routing transaction holds the database's write lock, so the click's
 * write waits for it to end and finds the ticket moved (the close is refused, nothing is lost); the
 * interleaving below cannot happen there.
 */
import type { RootOperationNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changePresence } from '../../src/services/presence.js';
import { requestClose } from '../../src/services/pendingCloses.js';
import type { ServiceContext } from '../../src/services/context.js';
import { addStaff } from '../support/app.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { capacityViolations, historyViolations } from '../support/invariants.js';
import { handleAfterStatement } from '../support/pause.js';

/** The read of a donor's newest open tickets without a pending close (repositories/tickets.ts newestOpenTicketsOf). */
function donorTicketsRead(node: RootOperationNode): boolean {
  const text = JSON.stringify(node);
  return node.kind === 'SelectQueryNode' && text.includes('"close_due_at"') && text.includes('"desc"');
}

/** The balance's lock of the ticket it chose (repositories/pendingCloses.ts lockUnlessClosing). */
function balanceLock(node: RootOperationNode): boolean {
  const text = JSON.stringify(node);
  return node.kind === 'SelectQueryNode' && text.includes('"close_due_at"') && !text.includes('"desc"');
}

describe('R3 balancing racing a Close on the donor’s newest ticket (postgres)', () => {
  let database: TestDatabase;
  let ctx: ServiceContext;

  beforeAll(async () => {
    database = await freshDatabase('postgres');
    ctx = { handle: database.handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
  });
  afterAll(() => database.drop());

  /**
   * A new agent `holder`, available, holding two new tickets (whoever else was available steps
   * aside first, keeping its tickets), and a new agent `taker`, offline, holding nothing.
   */
  async function holdingTwo(holder: string, taker: string) {
    const available = await database.handle.db.selectFrom('users').select('id').where('presence', '=', 'available').execute();
    for (const { id } of available) await changePresence(ctx, id, 'away');
    const holderId = await addStaff(ctx, holder);
    const takerId = await addStaff(ctx, taker);
    await changePresence(ctx, holderId, 'available');
    const ticket = (title: string) => intakeTicket(ctx, { name: 'Carla', email: 'carla@example.com', title, description: 'Please.', priority: 'medium' });
    const older = await ticket('Older');
    const newest = await ticket('Newest');
    expect([older.agent_id, newest.agent_id]).toEqual([holderId, holderId]);
    return { holderId, takerId, older, newest };
  }

  it('leaves the ticket whose close was recorded meanwhile with its agent, pending, and balances another', async () => {
    const { holderId: ana, takerId: ben, older, newest } = await holdingTwo('ana', 'ben');

    // Ben comes in with nothing to pull: R3 reads ana's newest tickets, and ana clicks Close on
    // the newest one (another connection) before the balance moves it.
    let answer: Awaited<ReturnType<typeof requestClose>> | undefined;
    const click = () => requestClose(ctx, { id: ana, role: 'agent' }, newest.id, 10_000).then((a) => (answer = a));
    const racing: ServiceContext = { ...ctx, handle: handleAfterStatement(ctx.handle, donorTicketsRead, click) };
    await changePresence(racing, ben, 'available');

    expect(answer?.kind).toBe('pending');
    const db = database.handle.db;
    const rows = await db.selectFrom('tickets').select(['id', 'agent_id', 'close_requested_by']).where('id', 'in', [older.id, newest.id]).orderBy('id').execute();
    // The ticket ana is closing stays hers, still closing; ben balances the other one.
    expect(rows).toEqual([
      { id: older.id, agent_id: ben, close_requested_by: null },
      { id: newest.id, agent_id: ana, close_requested_by: ana },
    ]);
    expect(await historyViolations(db)).toEqual([]);
    expect(await capacityViolations(db)).toEqual([]);
  });

  it('holds a Close clicked once the balance has chosen the ticket until the move commits, then refuses it (the ticket is no longer the agent’s)', async () => {
    const { holderId: cy, takerId: dee, newest } = await holdingTwo('cy', 'dee');

    // Cy clicks Close on its newest ticket right after the balance locked it for dee: the click
    // waits for the move (a second and a half at most, then the balance goes on regardless).
    let click: Promise<unknown> | undefined;
    const clickWhileLocked = () => {
      click = requestClose(ctx, { id: cy, role: 'agent' }, newest.id, 10_000).then(
        (answer) => answer,
        (error: unknown) => error,
      );
      return Promise.race([click, new Promise((resolve) => setTimeout(resolve, 1_500))]);
    };
    const racing: ServiceContext = { ...ctx, handle: handleAfterStatement(ctx.handle, balanceLock, clickWhileLocked) };
    await changePresence(racing, dee, 'available');

    expect(await click).toMatchObject({ code: 'forbidden' });
    const db = database.handle.db;
    const row = await db.selectFrom('tickets').select(['agent_id', 'close_requested_by']).where('id', '=', newest.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ agent_id: dee, close_requested_by: null });
    expect(await historyViolations(db)).toEqual([]);
    expect(await capacityViolations(db)).toEqual([]);
  });
});
