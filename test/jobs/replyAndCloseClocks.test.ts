/**
 * §9 "reply and close" against a reply followed by a separate close at the same instant: the stored
 * clocks (§11: first response, next reply, a resolution clock paused while waiting on the customer,
 * warnings) and the figures counted on the ticket come out the same, on both engines.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings.js';
import type { TicketRow } from '../../src/db/schema.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import { postCustomerMessageOn, postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';

const SECOND = 1000;
const MIN = 60 * SECOND;

/** Everything a close and a reply may set on the ticket, without what tells two tickets apart. */
function closedState(row: TicketRow) {
  const { id: _id, token: _token, intake_key: _key, ...rest } = row;
  return rest;
}

for (const dialect of DIALECTS) {
  describe(`reply and close, and a reply then a close (${dialect})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let alice: number;
    const agent = () => ({ id: alice, role: 'agent' as const });
    const reply = (ticketId: number, close: boolean) => postStaffMessage(t.ctx, agent(), ticketId, { kind: 'reply', body: 'On it.', close, seen: null, channel: 'web' });
    const customerWrites = (ticketId: number) => postCustomerMessageOn(t.ctx, ticketId, { body: 'Any news?', channel: 'web' });
    const newTicket = () => intakeTicket(t.ctx, { name: 'Carla', email: 'carla@example.com', title: 'Printer', description: 'On fire.', priority: 'high' });

    /**
     * Two tickets brought to the same state by `before`; one gets reply and close, the other a reply
     * then a close, at one instant. Checks they are stored alike; returns the first.
     */
    async function closedAlike(before: (each: (step: (ticketId: number) => Promise<unknown>) => Promise<void>) => Promise<void>): Promise<TicketRow> {
      const [a, b] = [await newTicket(), await newTicket()];
      await before(async (step) => {
        for (const id of [a.id, b.id]) await step(id);
      });
      await reply(a.id, true);
      await reply(b.id, false);
      await closeTicket(t.ctx, agent(), b.id);
      const [closedByOne, closedByTwo] = [(await findTicketById(t.ctx.handle.db, a.id))!, (await findTicketById(t.ctx.handle.db, b.id))!];
      expect(closedState(closedByOne)).toEqual(closedState(closedByTwo));
      return closedByOne;
    }

    beforeEach(async () => {
      clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
      t = await startTestApp(dialect, { clock });
      alice = await addStaff(t.ctx, 'alice', { displayName: 'Alice Agent' });
      await changePresence(t.ctx, alice, 'available');
      const over: Partial<Settings> = {
        sla: { high: 10 * 60, medium: 240, low: 3600 },
        firstResponse: { high: 60, medium: null, low: null },
        nextReply: { high: 60, medium: null, low: null },
        pauseWhileWaiting: true,
        warnAtPercent: 50,
      };
      await saveSettings(t.ctx.handle.db, { ...DEFAULT_SETTINGS, ...over });
    });
    afterEach(() => t.close());

    it('the first answer closes: first response met at the reply, the running clock stays as it was', async () => {
      const closed = await closedAlike(async () => {
        clock.advance(10 * SECOND);
      });
      expect(closed.first_response_at).toBe(clock.now());
      expect(closed.sla_paused_at).toBeNull();
    });

    it('a customer message answered by the close: the next reply counted met once, the resumed clock the same', async () => {
      const closed = await closedAlike(async (each) => {
        await each((id) => reply(id, false));
        clock.advance(30 * SECOND);
        await each(customerWrites);
        clock.advance(10 * SECOND);
      });
      expect(closed.next_reply_met).toBe(1);
      expect(closed.next_reply_due_at).toBeNull();
    });

    it('closed while paused (waiting on the customer): the clock resumes the same way in both', async () => {
      const closed = await closedAlike(async (each) => {
        await each((id) => reply(id, false));
        clock.advance(2 * MIN);
      });
      expect(closed.sla_paused_at).toBeNull();
    });

    it('after the warnings went out and the next reply breached: the same closed ticket', async () => {
      const monitor = new SlaMonitor(t.ctx);
      const closed = await closedAlike(async (each) => {
        await each((id) => reply(id, false));
        await each(customerWrites);
        clock.advance(6 * MIN);
        await monitor.runOnce();
      });
      expect(closed.sla_warned_at).not.toBeNull();
      expect(closed.next_reply_breached).toBe(1);
    });
  });
}
