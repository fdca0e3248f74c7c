/** The admin's email retry as a use case (src/services/outbox.ts), on both engines. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import type { ServiceContext } from '../../src/services/context.js';
import { retryFailedEmail } from '../../src/services/outbox.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';

for (const dialect of DIALECTS) {
  describe(`retrying a failed email (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    const clock = new FakeClock();
    const email = (id: number) => database.handle.db.selectFrom('outbox').select(['status', 'attempts', 'next_attempt_at', 'last_error']).where('id', '=', id).executeTakeFirstOrThrow();

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = { handle: database.handle, clock, publicUrl: 'http://helpdesk.test' };
    });
    afterAll(() => database.drop());

    it('puts a failed email back in the queue, due now, with fresh tries and its last error kept', async () => {
      const ticket = await intakeTicket(ctx, { name: 'C', email: 'c@example.com', title: 'T', description: 'D', priority: 'low' });
      const { id } = await database.handle.db.selectFrom('outbox').select('id').where('ticket_id', '=', ticket.id).executeTakeFirstOrThrow();
      await database.handle.db.updateTable('outbox').set({ status: 'failed', attempts: 8, last_error: '550 no such user' }).where('id', '=', id).execute();
      clock.advance(5000);
      expect(await retryFailedEmail(ctx, id)).toEqual({ retried: true, status: 'pending' });
      expect(await email(id)).toEqual({ status: 'pending', attempts: 0, next_attempt_at: clock.now(), last_error: '550 no such user' });
      // Not failed (any more): nothing to retry, nothing changes, and the caller learns the status.
      expect(await retryFailedEmail(ctx, id)).toEqual({ retried: false, status: 'pending' });
      expect((await email(id)).attempts).toBe(0);
    });

    it('refuses an unknown email with not_found', async () => {
      const refused = await retryFailedEmail(ctx, 999_999).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DomainError);
      expect((refused as DomainError).code).toBe('not_found');
    });
  });
}
