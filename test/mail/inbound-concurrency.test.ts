/**
 * Exactly once (§10) under concurrency and after crashes, on both engines. Two database handles on
 * one database stand for two processes (on PostgreSQL two pools, on SQLite two connections to the
 * file), each with its own ticket intake, as two servers (or a server and a pipe) would have.
 * - One mail handed in by several callers at once: one change, one log row with a result, every
 *   other caller told `duplicate`.
 * - Many mails from many senders at once, agents online and one coming in meanwhile: §3's
 *   invariants I1–I5 hold, every mail is one ticket.
 * - A crash before the commit leaves nothing, and the mail handled again is handled once; a commit
 *   whose answer was lost (the connection dropped after COMMIT) answers its caller with its ticket,
 *   and the mail is never handled a second time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type DbHandle, type Dialect } from '../../src/db/connect.js';
import { messageIdFor } from '../../src/mail/message.js';
import type { ServiceContext } from '../../src/services/context.js';
import { DEFAULT_INBOUND_SETTING, type InboundOutcome, ingestMail } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket, createTickets } from '../../src/services/tickets.js';
import { addStaff } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { capacityViolations, historyViolations } from '../support/invariants.js';
import { newMessageId, rawMail } from './support/raw-mail.js';
import { createAgent, MAIL_FROM } from './support/testbed.js';

const SETTING = { ...DEFAULT_INBOUND_SETTING, mailFrom: MAIL_FROM };

/** One "process": its own handle, context and intake on the shared database. */
interface Process {
  ctx: ServiceContext;
  ingest(raw: string): Promise<InboundOutcome>;
}

function processOn(handle: DbHandle, clock: FakeClock): Process {
  const ctx: ServiceContext = { handle, clock, publicUrl: 'https://help.example.com' };
  const intake = new TicketIntake(ctx);
  return { ctx, ingest: (raw) => ingestMail(ctx, intake, SETTING, Buffer.from(raw), 'http') };
}

for (const dialect of DIALECTS as readonly Dialect[]) {
  describe(`inbound mail exactly once, concurrently and after crashes (${dialect})`, () => {
    let database: TestDatabase;
    let second: DbHandle;
    const clock = new FakeClock();
    let one: Process;
    let two: Process;
    const db = () => database.handle.db;

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      second = connect(database.url, { poolSize: 10 });
      one = processOn(database.handle, clock);
      two = processOn(second, clock);
    });
    afterAll(async () => {
      await second.destroy();
      await database.drop();
    });

    async function count(table: 'tickets' | 'messages' | 'outbox' | 'inbound_mails'): Promise<number> {
      return Number((await db().selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    }
    const counts = async () => ({ tickets: await count('tickets'), messages: await count('messages'), outbox: await count('outbox'), inbound: await count('inbound_mails') });

    /** The same raw mail from `callers` callers at once, alternating between the two processes. */
    const together = (raw: string, callers: number) => Promise.all(Array.from({ length: callers }, (_, i) => (i % 2 === 0 ? one : two).ingest(raw)));

    /** Exactly one caller got `result`, the others `duplicate`, all naming the same ticket; one log row, finished. */
    async function expectOnce(outcomes: InboundOutcome[], result: string, messageId: string): Promise<number> {
      expect(outcomes.map((o) => o.result).sort()).toEqual([result, ...Array<string>(outcomes.length - 1).fill('duplicate')].sort());
      const ticketId = outcomes.find((o) => o.result === result)!.ticketId!;
      expect(outcomes.map((o) => o.ticketId)).toEqual(outcomes.map(() => ticketId));
      const logged = await db().selectFrom('inbound_mails').select(['id', 'result', 'ticket_id']).where('mail_key', '=', messageId).execute();
      expect(logged).toEqual([{ id: expect.any(Number), result, ticket_id: ticketId }]);
      expect(await db().selectFrom('messages').select('id').where('mail_key', '=', messageId).execute()).toHaveLength(1);
      return ticketId;
    }

    it('one mail from four callers at once: one ticket, one message, one email; a reply and a follow-up likewise once', async () => {
      const before = await counts();
      const messageId = newMessageId();
      const ticketId = await expectOnce(await together(rawMail({ from: 'ann@customer.example', messageId }), 4), 'created', messageId);
      expect(await counts()).toEqual({ tickets: before.tickets + 1, messages: before.messages + 1, outbox: before.outbox + 1, inbound: before.inbound + 1 });

      const created = await db().selectFrom('outbox').selectAll().where('ticket_id', '=', ticketId).executeTakeFirstOrThrow();
      const replyId = newMessageId();
      const reply = rawMail({ from: 'ann@customer.example', messageId: replyId, inReplyTo: messageIdFor(created, MAIL_FROM), text: 'More details.' });
      expect(await expectOnce(await together(reply, 3), 'appended', replyId)).toBe(ticketId);

      await closeTicket(one.ctx, { id: await addStaff(one.ctx, 'root', { role: 'admin' }), role: 'admin' }, ticketId);
      const lateId = newMessageId();
      const late = rawMail({ from: 'ann@customer.example', messageId: lateId, inReplyTo: replyId, text: 'Still broken.' });
      const followUp = await expectOnce(await together(late, 3), 'follow_up', lateId);
      expect((await db().selectFrom('tickets').select('follow_up_of').where('id', '=', followUp).executeTakeFirstOrThrow()).follow_up_of).toBe(ticketId);
      expect(await db().selectFrom('tickets').select('id').where('follow_up_of', '=', ticketId).execute()).toHaveLength(1);
      expect(await historyViolations(db())).toEqual([]);
    });

    it('many mails from many senders at once, agents online and one logging in meanwhile: I1–I5 hold, every mail one ticket', async () => {
      const agents = [await createAgent(one.ctx, 'ava', 'Ava', 2), await createAgent(one.ctx, 'ben', 'Ben', 2)];
      for (const id of agents) await changePresence(one.ctx, id, 'available');
      const late = await createAgent(one.ctx, 'cal', 'Cal', 2);
      const before = await count('tickets');
      const mails = Array.from({ length: 14 }, (_, i) => {
        const messageId = newMessageId();
        return { messageId, raw: rawMail({ from: `sender${i}@customer.example`, subject: `Burst ${i}`, messageId }) };
      });
      const [outcomes] = await Promise.all([
        Promise.all(mails.map((m, i) => (i % 2 === 0 ? one : two).ingest(m.raw))),
        // I3's race: a login while tickets arrive; neither may leave the other waiting.
        new Promise((r) => setTimeout(r, 5)).then(() => changePresence(two.ctx, late, 'available')),
      ]);
      expect(outcomes.map((o) => o.result)).toEqual(mails.map(() => 'created'));
      expect(new Set(outcomes.map((o) => o.ticketId)).size).toBe(mails.length);
      expect(await count('tickets')).toBe(before + mails.length);
      for (const [i, m] of mails.entries()) {
        const logged = await db().selectFrom('inbound_mails').select(['result', 'ticket_id']).where('mail_key', '=', m.messageId).executeTakeFirstOrThrow();
        expect(logged).toEqual({ result: 'created', ticket_id: outcomes[i]!.ticketId });
      }
      // Six seats among three agents, all taken (one by the follow-up that waited before); the rest wait.
      const open = await db().selectFrom('tickets').select(['agent_id']).where('status', '=', 'open').execute();
      expect(open.filter((t) => t.agent_id !== null)).toHaveLength(6);
      expect(open).toHaveLength(mails.length + 1);
      expect(await capacityViolations(db())).toEqual([]);
      expect(await historyViolations(db())).toEqual([]);
    });

    it('a crash before the commit leaves nothing: no log row, no ticket; handled again, the mail is handled once', async () => {
      const messageId = newMessageId();
      const raw = rawMail({ from: 'cy@customer.example', subject: 'The process died before its commit', messageId });
      // A process that dies inside the intake's transaction: nothing it wrote commits.
      const dying = new TicketIntake(one.ctx, async () => {
        throw new Error('process died before its commit');
      });
      const before = await counts();
      await expect(ingestMail(one.ctx, dying, SETTING, Buffer.from(raw), 'imap')).rejects.toThrow('process died');
      expect(await counts()).toEqual(before);
      const ticketId = await expectOnce(await together(raw, 2), 'created', messageId);
      expect(await counts()).toEqual({ tickets: before.tickets + 1, messages: before.messages + 1, outbox: before.outbox + 1, inbound: before.inbound + 1 });
      expect(await one.ingest(raw)).toMatchObject({ result: 'duplicate', ticketId });
    });

    it("a commit whose answer was lost: the caller gets its ticket, and the mail is never handled twice", async () => {
      const messageId = newMessageId();
      const raw = rawMail({ from: 'dee@customer.example', subject: 'Committed, then the connection dropped', messageId });
      // The connection drops while COMMIT's answer is on its way: stored, yet the write failed.
      const lostAnswer = new TicketIntake(two.ctx, async (ctx, submissions) => {
        await createTickets(ctx, submissions);
        throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
      });
      const before = await counts();
      const first = await ingestMail(two.ctx, lostAnswer, SETTING, Buffer.from(raw), 'pipe');
      expect(first.result).toBe('created');
      expect(await counts()).toEqual({ tickets: before.tickets + 1, messages: before.messages + 1, outbox: before.outbox + 1, inbound: before.inbound + 1 });
      const again = await together(raw, 2);
      expect(again.map((o) => o.result)).toEqual(['duplicate', 'duplicate']);
      expect(again.map((o) => o.ticketId)).toEqual([first.ticketId, first.ticketId]);
      expect(await counts()).toEqual({ tickets: before.tickets + 1, messages: before.messages + 1, outbox: before.outbox + 1, inbound: before.inbound + 1 });
      expect(await historyViolations(db())).toEqual([]);
    });
  });
}
