/**
 * Intake's short memory of topic names (src/services/topicNames.ts), on both engines: a name is
 * found in the memory for `ttlMs`; a change made here clears it at once (the service calls
 * forget); a change made elsewhere (another process: here, straight in the database) is seen once
 * the memory runs out; a name the memory does not know is asked of the database at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTopic } from '../../src/core/teamInput.js';
import type { ServiceContext } from '../../src/services/context.js';
import { TicketIntake } from '../../src/services/intake.js';
import { type AdminActor, saveTopic } from '../../src/services/teams.js';
import { TopicNames } from '../../src/services/topicNames.js';
import { addStaff } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { QueryCounter } from '../support/queryCounter.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';

/** The reads of every topic's name (allTopicNames: the only unfiltered select from topics). */
const topicReads = () => new QueryCounter((node) => node.kind === 'SelectQueryNode' && node.where === undefined && JSON.stringify(node.from).includes('"topics"'));

const form = (topic: string) => ({ name: 'C', email: 'c@example.com', title: 'T', description: 'Help', priority: 'medium', topic });

for (const dialect of DIALECTS) {
  describe(`topic names remembered for intake (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let admin: AdminActor;
    const memory = new FakeClock(0);
    const names = new TopicNames(1_000, memory);
    const db = () => database.handle.db;

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = { handle: database.handle, clock: new FakeClock(Date.UTC(2026, 11, 7, 9)), publicUrl: 'http://helpdesk.test', topicNames: names };
      admin = { id: await addStaff(ctx, 'root', { role: 'admin' }), username: 'root', address: '127.0.0.1' };
    });
    afterAll(() => database.drop());

    it('finds by name in any case and by id, and keeps what it read for its time', async () => {
      const billing = await saveTopic(ctx, admin, validateTopic({ name: 'Billing', team: 'Support' }));
      expect((await names.find(db(), 'BILLING'))?.id).toBe(billing);
      expect((await names.find(db(), String(billing)))?.name).toBe('Billing');
      // Renamed elsewhere (not through this process's service): the memory still knows the old name …
      await db().updateTable('topics').set({ name: 'Invoices' }).where('id', '=', billing).execute();
      expect((await names.find(db(), 'billing'))?.id).toBe(billing);
      // … a name it does not know is asked of the database at once …
      expect((await names.find(db(), 'invoices'))?.id).toBe(billing);
      // … and once its time has run out it reads the names again.
      memory.advance(1_000);
      expect(await names.find(db(), 'billing')).toBeUndefined();
    });

    it('a name the memory does not know is found in any letter case beyond ASCII, as the memory finds it (SQLite’s lower() folds only ASCII)', async () => {
      const id = await saveTopic(ctx, admin, validateTopic({ name: 'Mahnung', team: 'Support' }));
      expect((await names.find(db(), 'mahnung'))?.id).toBe(id);
      // Renamed elsewhere: the memory knows the old name only, the database is asked.
      await db().updateTable('topics').set({ name: 'Überweisung' }).where('id', '=', id).execute();
      for (const typed of ['ÜBERWEISUNG', 'überweisung']) expect((await names.find(db(), typed))?.id).toBe(id);
    });

    it('a topic hidden through the service is refused by the very next submission', async () => {
      const intake = new TicketIntake(ctx);
      const id = await saveTopic(ctx, admin, validateTopic({ name: 'Refunds', team: 'Support' }));
      expect((await intake.submit(form('refunds'))).topic_id).toBe(id);
      await saveTopic(ctx, admin, validateTopic({ name: 'Refunds', team: 'Support', hidden: 'true' }), id);
      await expect(intake.submit(form('Refunds'))).rejects.toMatchObject({ code: 'invalid_input' });
    });

    it('a read on its way when a topic changes here is not kept', async () => {
      memory.advance(1_000);
      const reading = names.find(db(), 'General');
      names.forget();
      expect((await reading)?.name).toBe('General');
      await db().updateTable('topics').set({ name: 'General desk' }).where('name', '=', 'General').execute();
      expect(await names.find(db(), 'General')).toBeUndefined();
      await db().updateTable('topics').set({ name: 'General' }).where('name', '=', 'General desk').execute();
    });
  
    it('submissions arriving together when the memory has run out share one read of the names', async () => {
      memory.advance(1_000);
      const reads = topicReads();
      const counted = db().withPlugin(reads);
      const found = await Promise.all(Array.from({ length: 50 }, () => names.find(counted, 'general')));
      expect(found.every((t) => t?.name === 'General')).toBe(true);
      expect(reads.count).toBe(1);
      // Kept: the next ones read nothing; once run out, one read again.
      await names.find(counted, 'general');
      expect(reads.count).toBe(1);
      memory.advance(1_000);
      await Promise.all([names.find(counted, 'general'), names.find(counted, 'general')]);
      expect(reads.count).toBe(2);
    });
  });
}
