/**
 * writeMove writes a routing move only if the ticket is still where the move says it is (open, held
 * by `move.from`): a move computed from stale state throws, and the routing transaction rolls back
 * with no event, no email and no change of holder or of last_assigned_at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.js';
import type { ServiceContext } from '../../src/services/context.js';
import { changePresence } from '../../src/services/presence.js';
import { withRouting, writeMove } from '../../src/services/routing.js';
import { closeTicket } from '../../src/services/tickets.js';
import { addStaff } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';

const FORM = { name: 'Carla', email: 'carla@example.com', title: 'Printer on fire', description: 'Help', priority: 'low' };

/** Everything a move writes: holders, events, emails, last assignment times. */
async function footprint(db: Db) {
  return {
    tickets: await db.selectFrom('tickets').select(['id', 'status', 'agent_id', 'assigned_at']).orderBy('id').execute(),
    events: await db.selectFrom('ticket_events').select(['id', 'type']).orderBy('id').execute(),
    emails: await db.selectFrom('outbox').select(['id', 'kind']).orderBy('id').execute(),
    users: await db.selectFrom('users').select(['id', 'last_assigned_at']).orderBy('id').execute(),
  };
}

for (const dialect of DIALECTS) {
  describe(`writeMove against stale state (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    const clock = new FakeClock();
    let ana: number;
    let ben: number;
    let cy: number;

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = { handle: database.handle, clock, publicUrl: 'http://helpdesk.test' };
      ana = await addStaff(ctx, 'ana', { capacity: 5 });
      ben = await addStaff(ctx, 'ben', { capacity: 5 });
      cy = await addStaff(ctx, 'cy', { capacity: 5 });
      await changePresence(ctx, ana, 'available');
    });
    afterAll(() => database.drop());

    it('refuses a move whose `from` is not the holder, and writes nothing', async () => {
      const ticket = await intakeTicket(ctx, FORM);
      expect(ticket.agent_id).toBe(ana);
      clock.advance(1000);
      const before = await footprint(database.handle.db);
      const stale = withRouting(ctx, null, (run) => writeMove(run, { ticketId: ticket.id, from: ben, to: cy }, 'routing'));
      await expect(stale).rejects.toThrow(/stale/);
      expect(await footprint(database.handle.db)).toEqual(before);
    });

    it('refuses a move out of the queue for a ticket an agent holds', async () => {
      const ticket = await intakeTicket(ctx, FORM);
      expect(ticket.agent_id).toBe(ana);
      const before = await footprint(database.handle.db);
      await expect(withRouting(ctx, null, (run) => writeMove(run, { ticketId: ticket.id, from: null, to: cy }, 'routing'))).rejects.toThrow(/stale/);
      expect(await footprint(database.handle.db)).toEqual(before);
    });

    it('refuses to move a closed ticket, even from its last holder', async () => {
      const ticket = await intakeTicket(ctx, FORM);
      expect(await closeTicket(ctx, { id: ana, role: 'agent' }, ticket.id)).toBe(true);
      const before = await footprint(database.handle.db);
      await expect(withRouting(ctx, null, (run) => writeMove(run, { ticketId: ticket.id, from: ana, to: ben }, 'routing'))).rejects.toThrow(/stale/);
      expect(await footprint(database.handle.db)).toEqual(before);
    });

    it('writes a move that matches the ticket (holder, event, email)', async () => {
      const ticket = await intakeTicket(ctx, FORM);
      clock.advance(1000);
      await withRouting(ctx, null, (run) => writeMove(run, { ticketId: ticket.id, from: ana, to: ben }, 'routing'));
      const after = await footprint(database.handle.db);
      expect(after.tickets.find((t) => t.id === ticket.id)!.agent_id).toBe(ben);
      expect(after.events.at(-1)!.type).toBe('reassigned');
      expect(after.emails.at(-1)!.kind).toBe('reassigned');
      expect(after.users.find((u) => u.id === ben)!.last_assigned_at).toBe(clock.now());
    });
  });
}
