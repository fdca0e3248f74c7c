/**
 * §11 pause while waiting: turning `pause_while_waiting` off starts every paused resolution clock
 * again at once, with the time it had left (its due time moved by the time it waited, as the
 * customer's message would have), in the settings' own transaction. Before, a paused ticket stayed
 * paused, with no deadline, until the customer wrote, under a setting that says clocks do not pause.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { PAUSED_DUE_AT } from '../../src/core/slaClocks.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { findTicketById } from '../../src/repositories/tickets.js';
import { updateSettings } from '../../src/services/admin.js';
import { postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

for (const dialect of DIALECTS) {
  describe(`pause_while_waiting turned off (${dialect})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let alice: number;
    let root: number;

    beforeEach(async () => {
      clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
      t = await startTestApp(dialect, { clock });
      alice = await addStaff(t.ctx, 'alice');
      root = await addStaff(t.ctx, 'root', { role: 'admin' });
      await changePresence(t.ctx, alice, 'available');
      await saveSettings(t.ctx.handle.db, { ...DEFAULT_SETTINGS, pauseWhileWaiting: true, warnAtPercent: 50, sla: { high: 600, medium: 240, low: 3600 } });
    });
    afterEach(() => t.close());

    /** A ticket answered 4 minutes into its 10: paused with 6 minutes left. */
    async function pausedTicket() {
      const ticket = await intakeTicket(t.ctx, { name: 'Carla', email: 'carla@example.com', title: 'Printer', description: 'On fire.', priority: 'high' });
      clock.advance(4 * MIN);
      await postStaffMessage(t.ctx, { id: alice, role: 'agent' }, ticket.id, { kind: 'reply', body: 'Is it plugged in?', close: false, seen: null, channel: 'web' });
      expect((await findTicketById(t.ctx.handle.db, ticket.id))!).toMatchObject({ sla_paused_at: clock.now(), sla_remaining_ms: 6 * MIN, sla_due_at: PAUSED_DUE_AT });
      return ticket;
    }

    it('starts every paused clock again with the time it had left, and the monitor breaches it then', async () => {
      const [a, b] = [await pausedTicket(), await pausedTicket()];
      clock.advance(HOUR);
      await updateSettings(t.ctx, root, (s) => ({ ...s, pauseWhileWaiting: false }));
      for (const ticket of [a, b]) {
        expect((await findTicketById(t.ctx.handle.db, ticket.id))!).toMatchObject({ sla_paused_at: null, sla_remaining_ms: null, sla_due_at: clock.now() + 6 * MIN, sla_warn_at: clock.now() + MIN });
      }
      const monitor = new SlaMonitor(t.ctx);
      expect(await monitor.runOnce(clock.now() + 6 * MIN)).toHaveLength(2);
      expect(await monitor.runOnce(clock.now() + 6 * MIN + 1)).toHaveLength(2);
      expect((await findTicketById(t.ctx.handle.db, a.id))!.sla_breached_at).toBe(clock.now() + 6 * MIN + 1);
    });

    it('a refused settings change leaves the clocks paused (one transaction)', async () => {
      const ticket = await pausedTicket();
      await expect(updateSettings(t.ctx, root, (s) => ({ ...s, pauseWhileWaiting: false, calendarId: 999_999 }))).rejects.toThrow();
      expect((await findTicketById(t.ctx.handle.db, ticket.id))!.sla_due_at).toBe(PAUSED_DUE_AT);
    });
  });
}
