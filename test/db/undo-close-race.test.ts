/**
 * Undo racing a move of the ticket (README "Where agents close tickets, and the undo window"): an
 * undo reads the ticket, decides, then clears its pending close, outside the routing lock. If an
 * admin gave the ticket to a colleague in between and the colleague clicked Close, the pending
 * close there is the colleague's decision; the first agent's late Undo must not clear it. Before
 * the fix it did: the first agent was told "HD-1 stays open", the colleague saw "Closing HD-1"
 * vanish, and the ticket never closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reassignTicket } from '../../src/services/admin.js';
import type { ServiceContext } from '../../src/services/context.js';
import { requestClose, undoClose } from '../../src/services/pendingCloses.js';
import { addStaff } from '../support/app.js';
import { DIALECTS, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { historyViolations } from '../support/invariants.js';
import { handleAfterFirstRead, raceStage } from '../support/pause.js';

const WINDOW_MS = 10_000;

for (const dialect of DIALECTS) {
  describe(`an undo racing a reassignment and the new holder's close (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let adminId: number;
    let dana: number;
    let eric: number;

    beforeAll(async () => {
      ({ database, ctx, adminId, agentId: dana } = await raceStage(dialect));
      eric = await addStaff(ctx, 'eric');
    });
    afterAll(() => database.drop());

    it('leaves the new holder’s pending close alone and refuses the first agent’s undo', async () => {
      const ticket = await intakeTicket(ctx, { name: 'Carla', email: 'carla@example.com', title: 'Help', description: 'Please.', priority: 'medium' });
      await reassignTicket(ctx, adminId, ticket.id, 'dana');
      expect(await requestClose(ctx, { id: dana, role: 'agent' }, ticket.id, WINDOW_MS)).toMatchObject({ kind: 'pending' });

      // Dana's undo has read the ticket (hers, closing); then the admin gives it to Eric, who closes it.
      const racing = {
        ...ctx,
        handle: handleAfterFirstRead(database.handle, async () => {
          await reassignTicket(ctx, adminId, ticket.id, 'eric');
          expect(await requestClose(ctx, { id: eric, role: 'agent' }, ticket.id, WINDOW_MS)).toMatchObject({ kind: 'pending' });
        }),
      };
      await expect(undoClose(racing, { id: dana, role: 'agent' }, ticket.id)).rejects.toMatchObject({ code: 'forbidden' });

      const db = database.handle.db;
      const row = await db.selectFrom('tickets').select(['agent_id', 'status', 'close_requested_by']).where('id', '=', ticket.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ agent_id: eric, status: 'open', close_requested_by: eric });
      expect(await historyViolations(db)).toEqual([]);
    });
  });
}
