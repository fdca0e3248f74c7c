/**
 * One ticket written on from every side at once (§9 with §3's invariants), on both engines: its
 * agent replies with files, the customer writes with files from the status page and by mail, and
 * an admin moves the ticket to another agent and then closes it, all concurrently. Every call
 * either wrote its message once, with its file, or was refused for a reason of §9 (the ticket was
 * no longer the writer's: 403; closed: 409) with nothing of it written; nothing fails otherwise;
 * customer messages after the close open one follow-up; I1–I4 hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors.js';
import { reassignTicket } from '../../src/services/admin.js';
import { postCustomerMessage, postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { historyViolations } from '../support/invariants.js';
import { ticketFields } from '../files/support.js';

const ROUNDS = 6;

describe.each(DIALECTS)('a ticket written on from every side at once (%s)', (dialect) => {
  let t: TestApp;
  let ana: number;
  let root: number;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    ana = await addStaff(t.ctx, 'ana', { capacity: 10 });
    await addStaff(t.ctx, 'ben', { capacity: 10 });
    root = await addStaff(t.ctx, 'root', { role: 'admin' });
    await changePresence(t.ctx, ana, 'available');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps every accepted message once with its file, refuses the rest for §9 reasons only, and keeps I1–I4', async () => {
    const ticket = await intakeTicket(t.ctx, ticketFields({ title: 'Busy ticket' }));
    expect(ticket.agent_id).toBe(ana);
    const file = (body: string) => [{ filename: `${body}.txt`, contentType: 'text/plain', content: Buffer.from(`file of ${body}`) }];
    const reply = (n: number) => postStaffMessage(t.ctx, { id: ana, role: 'agent' }, ticket.id, { kind: 'reply', body: `reply ${n}`, close: false, seen: null, channel: 'web', files: file(`reply ${n}`) });
    const web = (n: number) => postCustomerMessage(t.ctx, ticket.token, { body: `web ${n}`, channel: 'web', files: file(`web ${n}`) });
    const mail = (n: number) => postCustomerMessage(t.ctx, ticket.token, { body: `mail ${n}`, channel: 'email', files: file(`mail ${n}`) });
    // Each outcome is taken as it comes (a refusal before the others end is no unhandled rejection).
    const calls: { body: string; kind: 'staff' | 'customer'; done: Promise<PromiseSettledResult<unknown>> }[] = [];
    const settle = (p: Promise<unknown>) => p.then((value) => ({ status: 'fulfilled' as const, value }), (reason: unknown) => ({ status: 'rejected' as const, reason }));
    const admin = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await reassignTicket(t.ctx, root, ticket.id, 'ben');
      await closeTicket(t.ctx, { id: root, role: 'admin' }, ticket.id);
    })();
    for (let n = 0; n < ROUNDS; n++) {
      calls.push({ body: `reply ${n}`, kind: 'staff', done: settle(reply(n)) }, { body: `web ${n}`, kind: 'customer', done: settle(web(n)) }, { body: `mail ${n}`, kind: 'customer', done: settle(mail(n)) });
      await new Promise((resolve) => setImmediate(resolve));
    }
    await admin;
    const settled = await Promise.all(calls.map((c) => c.done));
    const unexpected = settled.flatMap((s, i) => {
      if (s.status === 'fulfilled') return [];
      const error = s.reason as unknown;
      const allowed = calls[i]!.kind === 'staff' && error instanceof DomainError && ['forbidden', 'conflict'].includes(error.code);
      return allowed ? [] : [`${calls[i]!.body}: ${String(error)}`];
    });
    expect(unexpected).toEqual([]);

    const db = t.ctx.handle.db;
    const messages = await db.selectFrom('messages').select(['id', 'body', 'ticket_id']).where('body', 'like', '% %').where('kind', '!=', 'note').execute();
    const files = await db.selectFrom('attachments').select(['message_id', 'filename']).execute();
    for (const [i, call] of calls.entries()) {
      const written = messages.filter((m) => m.body === call.body);
      const accepted = settled[i]!.status === 'fulfilled';
      expect(written, call.body).toHaveLength(accepted ? 1 : 0);
      if (accepted) expect(files.filter((f) => f.message_id === written[0]!.id).map((f) => f.filename), call.body).toEqual([`${call.body}.txt`]);
    }
    // Everything the customer sent after the close went to one follow-up.
    const followUps = await db.selectFrom('tickets').select('id').where('follow_up_of', '=', ticket.id).execute();
    expect(followUps.length).toBeLessThanOrEqual(1);
    const closed = await db.selectFrom('tickets').select(['status', 'agent_id']).where('id', '=', ticket.id).executeTakeFirstOrThrow();
    expect(closed.status).toBe('closed');
    expect(await historyViolations(db)).toEqual([]);
  });
});
