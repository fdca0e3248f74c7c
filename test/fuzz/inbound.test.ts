/**
 * Property-based tests of the email channel (SPEC §10: any byte sequence given as a mail gets a
 * result): arbitrary bytes and random structured mails (test/fuzz/mail.ts) through parseMail,
 * through ingestMail on SQLite (a smaller run on PostgreSQL) and through POST
 * /api/v1/inbound/email. Nothing throws, every mail gets a result of the §10 list and is recorded
 * once, each result writes only what it may, a mail handled twice is a duplicate that changes
 * nothing, and the routing invariants hold after.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INBOUND_RESULTS, type InboundResult } from '../../src/core/inbound.js';
import { mailKeyOf, messageIdOfKey } from '../../src/core/messageIds.js';
import type { Dialect } from '../../src/db/connect.js';
import { headerMessageId, parseMail, stripQuotedHistory } from '../../src/mail/inbound/parse.js';
import { messageIdFor } from '../../src/mail/message.js';
import type { ServiceContext } from '../../src/services/context.js';
import { ingestMail, type InboundSetting } from '../../src/services/inbound.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { createApiToken } from '../../src/services/tokens.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { SteppingClock } from '../support/clock.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { capacityViolations, historyViolations } from '../support/invariants.js';
import { anyBytes, anyMail, type MailWorld } from './mail.js';
import { expectClearAnswer, runs, tried } from './support.js';

/** Small enough that huge lines make some mails too large (rule 7 by size), cheaply. */
const SETTING: InboundSetting = { mailFrom: 'Helpdesk <support@helpdesk.test>', maxBytes: 64 * 1024, ticketsPerHour: 20 };
const CUSTOMER = 'carla@example.com';

/** What each result may write: new tickets, new emails, new messages (at most). */
const WRITES: Record<InboundResult, { tickets: number; emails: number; messages: number }> = {
  ignored: { tickets: 0, emails: 0, messages: 1 },
  duplicate: { tickets: 0, emails: 0, messages: 0 },
  bounce: { tickets: 0, emails: 0, messages: 0 },
  appended: { tickets: 0, emails: 0, messages: 1 },
  follow_up: { tickets: 1, emails: 1, messages: 1 },
  created: { tickets: 1, emails: 1, messages: 1 },
  rejected: { tickets: 0, emails: 0, messages: 0 },
};

describe('parseMail, fuzzed', () => {
  const world: MailWorld = { ourIds: ['<hd-1.outbox-1.0123456789abcdef@helpdesk.test>'], ticketIds: [1], customer: CUSTOMER };

  it.each([
    ['arbitrary bytes', anyBytes, 300],
    ['random structured mails', anyMail(world), 200],
  ] as const)('never throws on %s, and gives strings', async (_name, mails, n) => {
    await fc.assert(
      fc.asyncProperty(mails, async (raw) => {
        tried.inputs += 1;
        const mail = await parseMail(raw);
        expect(typeof mail.subject).toBe('string');
        expect(typeof mail.text).toBe('string');
        expect(typeof stripQuotedHistory(mail.text)).toBe('string');
        expect(mail.from === null || mail.from.address.includes('@')).toBe(true);
        for (const file of mail.files) expect(Buffer.isBuffer(file.content)).toBe(true);
      }),
      runs(n),
    );
  });
});

/** The key a mail is recorded under, worked out apart from the pipeline. */
async function expectedKey(raw: Buffer): Promise<string> {
  const parsed = await parseMail(raw);
  return raw.length > SETTING.maxBytes ? mailKeyOf(headerMessageId(raw), parsed.sha256) : mailKeyOf(parsed.messageId, parsed.sha256);
}

async function newestMailId(ctx: ServiceContext): Promise<number> {
  const row = await ctx.handle.db.selectFrom('inbound_mails').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}

async function counts(ctx: ServiceContext) {
  const n = async (table: 'tickets' | 'outbox' | 'messages' | 'inbound_mails') => Number((await ctx.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
  return { tickets: await n('tickets'), emails: await n('outbox'), messages: await n('messages'), mails: await n('inbound_mails') };
}

function pipelineSuite(dialect: Dialect, scale: number) {
  describe(`ingestMail, fuzzed (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    let intake: TicketIntake;
    let world: MailWorld;
    const keys = new Set<string>();
    const seen = new Set<InboundResult>();

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = { handle: database.handle, clock: new SteppingClock(), publicUrl: 'http://helpdesk.test' };
      intake = new TicketIntake(ctx);
      const agent = await addStaff(ctx, 'amy', { capacity: 3 });
      await changePresence(ctx, agent, 'available');
      const admin = await addStaff(ctx, 'ada', { role: 'admin' });
      // Carla's open ticket and closed ticket, so that answers, follow-ups, loops and bounces happen.
      const open = await intake.submit({ name: 'Carla', email: CUSTOMER, title: 'Printer on fire', description: 'It burns.', priority: 'low' });
      const closed = await intake.submit({ name: 'Carla', email: CUSTOMER, title: 'Old one', description: 'Done.', priority: 'low' });
      await closeTicket(ctx, { id: admin, role: 'admin' }, closed.id);
      await ctx.handle.db.updateTable('outbox').set({ status: 'sent', sent_at: ctx.clock.now() }).execute();
      const emails = await ctx.handle.db.selectFrom('outbox').selectAll().execute();
      world = { ourIds: emails.map((row) => messageIdFor(row, SETTING.mailFrom)), ticketIds: [open.id, closed.id], customer: CUSTOMER };
    });

    afterAll(async () => {
      // Each distinct mail recorded once, every one with a result; the routing invariants hold.
      const mails = await ctx.handle.db.selectFrom('inbound_mails').select(['mail_key', 'result']).execute();
      expect(new Set(mails.map((m) => m.mail_key))).toEqual(keys);
      expect(mails.length).toBe(keys.size);
      expect(mails.filter((m) => m.result === null)).toEqual([]);
      expect(await historyViolations(ctx.handle.db)).toEqual([]);
      expect(await capacityViolations(ctx.handle.db)).toEqual([]);
      await database.drop();
    });

    it.each([
      ['arbitrary bytes', () => anyBytes, 120],
      ['random structured mails', () => anyMail(world), 150],
    ] as const)('%s: a result of the §10 list, only its writes, once', async (_name, mails, n) => {
      await fc.assert(
        fc.asyncProperty(fc.constant(null).chain(() => mails()), fc.boolean(), async (raw, twice) => {
          tried.inputs += 1;
          const plainKey = await expectedKey(raw);
          const before = await counts(ctx);
          const newestBefore = await newestMailId(ctx);
          const outcome = await ingestMail(ctx, intake, SETTING, raw, 'pipe');
          expect(INBOUND_RESULTS).toContain(outcome.result);
          seen.add(outcome.result);
          const after = await counts(ctx);
          const allowed = WRITES[outcome.result];
          expect(after.tickets - before.tickets, outcome.result).toBeLessThanOrEqual(allowed.tickets);
          expect(after.emails - before.emails, outcome.result).toBe(allowed.emails === 1 ? after.tickets - before.tickets : 0);
          expect(after.messages - before.messages, outcome.result).toBeLessThanOrEqual(allowed.messages);
          // Logged under its key (by this call, or before it for a duplicate): its Message-ID's (or
          // its bytes'), with its sender when another sender's mail holds that (core/messageIds.ts senderMailKey).
          const logged = await ctx.handle.db.selectFrom('inbound_mails').select(['mail_key', 'result']).where('id', '>', newestBefore).execute();
          const row = logged[0] ?? (await ctx.handle.db.selectFrom('inbound_mails').select(['mail_key', 'result']).where('mail_key', '=', plainKey).executeTakeFirstOrThrow());
          expect(messageIdOfKey(row.mail_key)).toBe(plainKey);
          keys.add(row.mail_key);
          // One row per distinct mail: none for a duplicate, nor for our own mail coming back again.
          expect(after.mails - before.mails, outcome.result).toBeLessThanOrEqual(outcome.result === 'duplicate' ? 0 : 1);
          if (outcome.result !== 'duplicate') expect(row.result).toBe(outcome.result);
          if (['created', 'follow_up', 'appended'].includes(outcome.result)) expect(outcome.ticketId).not.toBeNull();
          if (!twice) return;
          const again = await ingestMail(ctx, intake, SETTING, raw, 'pipe');
          // Our own mail stays `ignored` however often it comes back (rule 1 before rule 2).
          expect(again.result).toBe(outcome.result === 'ignored' && /own mail/.test(outcome.reason ?? '') ? 'ignored' : 'duplicate');
          expect(await counts(ctx)).toEqual(after);
        }),
        runs(Math.round(n * scale)),
      );
    });

    it('met every kind of result but the rarest (so the inputs reach every rule)', () => {
      const expected: InboundResult[] = scale >= 1 ? ['ignored', 'duplicate', 'bounce', 'appended', 'created', 'rejected'] : ['ignored', 'duplicate', 'created', 'rejected'];
      expect([...seen].sort()).toEqual(expect.arrayContaining(expected));
    });
  });
}

pipelineSuite('sqlite', 1);
pipelineSuite('postgres', 0.3);

describe('POST /api/v1/inbound/email, fuzzed (sqlite)', () => {
  let t: TestApp;
  let token: string;
  let world: MailWorld;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    const admin = await addStaff(t.ctx, 'ada', { role: 'admin' });
    token = (await createApiToken(t.ctx, admin, 'mail server')).token;
    world = { ourIds: ['<hd-1.outbox-1.0123456789abcdef@localhost>'], ticketIds: [1], customer: CUSTOMER };
  });

  afterAll(async () => {
    expect(await historyViolations(t.ctx.handle.db)).toEqual([]);
    await t.close();
  });

  it('never answers 5xx: every mail gets a result, every refusal says why', async () => {
    const request = fc.record({
      raw: fc.oneof(anyBytes, anyMail(world)),
      type: fc.constantFrom('message/rfc822', 'message/rfc822', 'message/rfc822', 'MESSAGE/RFC822; charset=binary', 'text/plain', 'application/octet-stream', ''),
      auth: fc.constantFrom('admin', 'admin', 'admin', 'none', 'wrong'),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ raw, type, auth }) => {
        tried.inputs += 1;
        const headers: Record<string, string> = {};
        if (type !== '') headers['content-type'] = type;
        if (auth !== 'none') headers.authorization = `Bearer ${auth === 'admin' ? token : 'not-a-token'}`;
        const response = await t.app.inject({ method: 'POST', url: '/api/v1/inbound/email', headers, payload: raw });
        expectClearAnswer(`${type} ${auth}`, response);
        if (auth === 'admin' && /^message\/rfc822/i.test(type) && raw.length > 0) {
          expect(response.statusCode, response.body).toBe(200);
          expect(INBOUND_RESULTS).toContain(response.json().result);
        }
      }),
      runs(80),
    );
  });
});
