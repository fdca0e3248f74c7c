/** Migration 2026-12-17T0900: copied people, one row per ticket and address; the outbox's Cc column; `down` leaving the migration able to run again. */
import { expect, it } from 'vitest';
import { FakeClock } from '../support/clock.js';
import { intakeTicket } from '../support/intake.js';
import { describeMigration, migrateTo, migrator } from './migration-support.js';

const BEFORE = '2026-12-16T1000-team-sla';
const NAME = '2026-12-17T0900-ticket-ccs';

describeMigration(NAME, (db, dialect, handle) => {
  it('keeps one row per ticket and address of a ticket that exists; down drops the table and the outbox column, up makes them again', async () => {
    const ticket = await intakeTicket({ handle: handle(), clock: new FakeClock(), publicUrl: 'http://helpdesk.test' }, { name: 'Carla', email: 'carla@customer.example', title: 'Hi', description: 'Hello', priority: 'low' });
    const m = await migrator(db(), dialect);
    await db().insertInto('ticket_ccs').values({ ticket_id: ticket.id, address: 'dan@x.example', name: 'Dan', added_at: 1 }).execute();
    await expect(db().insertInto('ticket_ccs').values({ ticket_id: ticket.id, address: 'dan@x.example', name: 'Daniel', added_at: 2 }).execute()).rejects.toThrow();
    await expect(db().insertInto('ticket_ccs').values({ ticket_id: ticket.id + 1000, address: 'dan@x.example', name: '', added_at: 1 }).execute()).rejects.toThrow();
    expect(await db().selectFrom('outbox').select('cc_addresses').execute()).toEqual([{ cc_addresses: '' }]);
    await migrateTo(m, BEFORE);
    await expect(db().selectFrom('ticket_ccs').selectAll().execute()).rejects.toThrow();
    await expect(db().selectFrom('outbox').select('cc_addresses').execute()).rejects.toThrow();
    await migrateTo(m, NAME);
    expect(await db().selectFrom('ticket_ccs').selectAll().execute()).toEqual([]);
    expect(await db().selectFrom('outbox').select('cc_addresses').execute()).toEqual([{ cc_addresses: '' }]);
  });
});
