/**
 * Emails write their times in the desk's time zone (§5, core/mailTime.ts): the SLA calendar's, read
 * from the settings when the email is written, UTC while the calendar is 24/7. End to end through
 * the services and the SLA monitor on both engines, as the outbox stores them (QA: "We aim to
 * resolve it by 2026-12-05 13:11 UTC" on a desk whose calendar is Europe/Berlin).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { SlaMonitor } from '../../src/jobs/slaMonitor.js';
import type { MailKind } from '../../src/mail/templates/index.js';
import { saveSettings } from '../../src/repositories/settings.js';
import { postCustomerMessageOn, postStaffMessage } from '../../src/services/conversation.js';
import { requestPasswordReset } from '../../src/services/accounts.js';
import { changePresence } from '../../src/services/presence.js';
import { addStaff, startTestApp, type TestApp } from '../support/app.js';
import { useAsSlaCalendar } from '../support/calendars.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS } from '../support/db.js';
import { intakeTicket } from '../support/intake.js';
import { addCalendar, OFFICE_HOURS } from '../support/sla.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** A time written the old way: in UTC with no zone name beside it. */
const BARE_UTC = /\d\d:\d\d UTC/;

for (const dialect of DIALECTS) {
  describe(`emails give times in the desk's zone (${dialect})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let alice: number;
    const db = () => t.ctx.handle.db;
    const newTicket = () => intakeTicket(t.ctx, { name: 'Carla', email: 'carla@example.com', title: 'Printer', description: 'On fire.', priority: 'high' });
    const emails = (kind: MailKind) => db().selectFrom('outbox').select(['subject', 'text_body', 'html_body']).where('kind', '=', kind).orderBy('id').execute();

    beforeEach(async () => {
      // Monday 7 December 2026, 10:00 in Berlin (UTC+1).
      clock = new FakeClock(Date.UTC(2026, 11, 7, 9, 0, 0));
      t = await startTestApp(dialect, { clock });
      alice = await addStaff(t.ctx, 'alice', { displayName: 'Alice Agent' });
      await db().updateTable('users').set({ email: 'alice@example.com' }).where('id', '=', alice).execute();
      const calendarId = await addCalendar(db(), 'Berlin office', OFFICE_HOURS, clock.now());
      await saveSettings(db(), { ...DEFAULT_SETTINGS, calendarId, sla: { high: 4 * 3600, medium: 240, low: 3600 }, firstResponse: { high: 30 * 60, medium: null, low: null }, warnAtPercent: 50 });
      await changePresence(t.ctx, alice, 'available');
    });
    afterEach(() => t.close());

    it('every ticket email, to the customer and to staff, in Europe/Berlin with its offset; none in bare UTC', async () => {
      const monitor = new SlaMonitor(t.ctx);
      const ticket = await newTicket();
      const [created] = await emails('created');
      expect(created!.text_body).toContain('We aim to resolve it by: 2026-12-07 14:00 Europe/Berlin (UTC+01:00)');
      expect(created!.html_body).toContain('2026-12-07 14:00 Europe/Berlin (UTC+01:00)');

      // 10:15 Berlin: the first-response warning names its 10:30 deadline, in the subject and the body.
      clock.advance(15 * MIN + 1);
      await monitor.runOnce();
      const [warning] = await emails('sla_warning');
      expect(warning!.subject).toBe(`[HD-${ticket.id}] SLA warning (high): first response due 2026-12-07 10:30 Europe/Berlin (UTC+01:00): Printer`);
      expect(warning!.text_body).toContain('is due to get its first answer by 2026-12-07 10:30 Europe/Berlin (UTC+01:00).');
      expect(warning!.text_body).toContain('Resolution due: 2026-12-07 14:00 Europe/Berlin (UTC+01:00)');

      // 10:20: the customer writes, Alice answers; her reply quotes both earlier messages with their times.
      clock.advance(5 * MIN - 1);
      await postCustomerMessageOn(t.ctx, ticket.id, { body: 'Any news?', channel: 'web' });
      clock.advance(MIN);
      await postStaffMessage(t.ctx, { id: alice, role: 'agent' }, ticket.id, { kind: 'reply', body: 'On it.', close: false, seen: null, channel: 'web' });
      const [reply] = await emails('reply');
      expect(reply!.text_body).toContain('On 2026-12-07 10:20 Europe/Berlin (UTC+01:00), Carla wrote:');
      expect(reply!.text_body).toContain('On 2026-12-07 10:00 Europe/Berlin (UTC+01:00), Carla wrote:');

      // 14:00 Berlin and past: the resolution breach names its deadline.
      clock.advance(4 * HOUR);
      await monitor.runOnce();
      const [breach] = await emails('sla_breached');
      expect(breach!.text_body).toContain('passed its deadline of 2026-12-07 14:00 Europe/Berlin (UTC+01:00).');

      const all = await db().selectFrom('outbox').select(['subject', 'text_body']).execute();
      expect(all.length).toBeGreaterThanOrEqual(4);
      for (const email of all) expect(`${email.subject}\n${email.text_body}`).not.toMatch(BARE_UTC);
    });

    it('the password-reset email gives its expiry in the desk’s zone', async () => {
      await requestPasswordReset(t.ctx, { email: 'alice@example.com' });
      const [reset] = await emails('password_reset');
      expect(reset!.text_body).toContain('before 2026-12-07 10:30 Europe/Berlin (UTC+01:00)');
    });

    it('the zone is the SLA calendar’s as the email is written: back on 24/7, emails say UTC', async () => {
      await useAsSlaCalendar(db(), null);
      await newTicket();
      const [created] = await emails('created');
      // 24/7: 4 hours of plain time after 09:00 UTC.
      expect(created!.text_body).toContain('We aim to resolve it by: 2026-12-07 13:00 UTC');
      expect(created!.text_body).not.toContain('Europe/Berlin');
    });
  });
}
