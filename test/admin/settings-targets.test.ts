/**
 * The settings page's §11 fields: first-response and next-reply targets per priority, the SLA
 * calendar, the pause and the warnings. A form from before them (a bookmarked page, a script)
 * leaves them as they are. Ticking the boxes in a real browser: settings.browser.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings.js';
import { loadSettings, saveSettings } from '../../src/repositories/settings.js';
import { type Client, startTestApp, type TestApp } from '../support/app.js';
import { addCalendar } from '../support/sla.js';
import { DIALECTS } from '../support/db.js';
import { adminClient, visibleText } from './support.js';

/** The settings form of §1, as a page or script from before §11 posts it. */
const OLD_FORM = { sla_high: '1h', sla_medium: '3h', sla_low: '1d', default_capacity: '5', queue_order: 'oldest' };

for (const dialect of DIALECTS) {
  describe(`settings page: SLA targets, calendar, pause, warnings (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    let office: number;
    let night: number;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await adminClient(t)).client;
      // Listed by name whatever the letter case, after 24/7.
      office = await addCalendar(t.ctx.handle.db, 'office hours');
      night = await addCalendar(t.ctx.handle.db, 'Night shift');
    });
    afterAll(() => t.close());

    const db = () => t.ctx.handle.db;
    const stored = () => loadSettings(db());
    /** Every §11 setting away from its default. */
    const tuned = (): Settings => ({
      ...DEFAULT_SETTINGS,
      // As OLD_FORM has them: no other target may be longer (core/settings.ts targetsPastResolution).
      sla: { high: 3600, medium: 10_800, low: 86_400 },
      firstResponse: { high: 900, medium: null, low: 86_400 },
      nextReply: { high: 3600, medium: 7200, low: null },
      calendarId: office,
      pauseWhileWaiting: true,
      warnAtPercent: 80,
      emailPriority: 'low',
    });

    it('shows the new fields with the defaults: empty targets, 24/7 first then the calendars by name, box unticked, no warnings', async () => {
      await saveSettings(db(), DEFAULT_SETTINGS);
      const page = await admin.get('/adminapp/settings/');
      expect(page.statusCode).toBe(200);
      for (const name of ['first_response_high', 'first_response_medium', 'first_response_low', 'next_reply_high', 'next_reply_medium', 'next_reply_low', 'warn_at_percent']) {
        // An empty value renders as a bare `value` attribute.
        expect(page.body).toMatch(new RegExp(`name="${name}"[^>]*\\svalue(="")?[\\s/>]`));
      }
      expect(page.body).toMatch(/name="sla_high"[^>]*value="1m"/);
      const options = [...page.body.matchAll(/<option value="([^"]*)"[^>]*>([^<]*)</g)].map((m) => [m[1], m[2]]);
      const calendar = options.slice(0, 3);
      expect(calendar).toEqual([
        ['24/7', '24/7 (always open)'],
        [String(night), 'Night shift'],
        [String(office), 'office hours'],
      ]);
      expect(page.body).toMatch(/<option value="24\/7" selected/);
      expect(page.body).toContain('href="/adminapp/calendars/"');
      expect(page.body).toMatch(/<input type="hidden" name="pause_while_waiting" value="off"/);
      expect(page.body).not.toMatch(/type="checkbox"[^>]*name="pause_while_waiting"[^>]*checked/);
      const text = visibleText(page);
      expect(text).toMatch(/First response\s*: from a ticket's creation until staff first reply/);
      expect(text).toContain('applies to clocks started after the change');
    });

    it('saves the new fields and shows them back', async () => {
      await saveSettings(db(), DEFAULT_SETTINGS);
      const response = await admin.submit('/adminapp/settings/', {
        ...OLD_FORM,
        first_response_high: '15m',
        first_response_medium: '',
        first_response_low: '1d',
        next_reply_high: '1h',
        next_reply_medium: '2h',
        next_reply_low: '',
        calendar: String(office),
        pause_while_waiting: 'on',
        warn_at_percent: '80',
        email_priority: 'low',
      });
      expect(response.statusCode).toBe(303);
      expect(await stored()).toEqual(tuned());
      const page = await admin.get('/adminapp/settings/');
      expect(visibleText(page)).toContain('Settings saved');
      expect(page.body).toMatch(/name="first_response_high"[^>]*value="15m"/);
      expect(page.body).toMatch(/name="first_response_low"[^>]*value="1d"/);
      expect(page.body).toMatch(/name="next_reply_medium"[^>]*value="2h"/);
      expect(page.body).toMatch(new RegExp(`<option value="${office}" selected`));
      expect(page.body).toMatch(/type="checkbox"[^>]*name="pause_while_waiting"[^>]*checked/);
      expect(page.body).toMatch(/name="warn_at_percent"[^>]*value="80"/);
    });

    it('keeps every §11 setting when a form from before them leaves them out', async () => {
      await saveSettings(db(), tuned());
      const response = await admin.submit('/adminapp/settings/', { ...OLD_FORM, default_capacity: '7' });
      expect(response.statusCode).toBe(303);
      expect(await stored()).toEqual({ ...tuned(), defaultCapacity: 7 });
    });

    it('clears targets and warnings sent empty, turns the pause off when only the hidden field arrives, and goes back to 24/7', async () => {
      await saveSettings(db(), tuned());
      const empty = Object.fromEntries(['first_response_high', 'first_response_low', 'next_reply_high', 'next_reply_medium', 'warn_at_percent'].map((name) => [name, '']));
      const response = await admin.submit('/adminapp/settings/', { ...OLD_FORM, ...empty, calendar: '24/7', pause_while_waiting: 'off' });
      expect(response.statusCode).toBe(303);
      expect(await stored()).toEqual({ ...tuned(), firstResponse: DEFAULT_SETTINGS.firstResponse, nextReply: DEFAULT_SETTINGS.nextReply, calendarId: null, pauseWhileWaiting: false, warnAtPercent: null });
    });

    it('ticks the pause when the box arrives after its hidden field, as a browser sends it', async () => {
      await saveSettings(db(), DEFAULT_SETTINGS);
      const page = await admin.get('/adminapp/settings/');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
      const response = await admin.post('/adminapp/settings/', { ...OLD_FORM, pause_while_waiting: ['off', 'on'], _csrf: csrf });
      expect(response.statusCode).toBe(303);
      expect((await stored()).pauseWhileWaiting).toBe(true);
    });

    it.each<[string, Record<string, string>, string, RegExp]>([
      ['a first-response target that is not a duration', { first_response_high: 'soon' }, 'first_response_high', /First response \(high\): enter a duration such as 45s, 4m, 1h or 1h30m, or leave it empty for none/],
      ['a next-reply target of zero', { next_reply_low: '0s' }, 'next_reply_low', /Next reply \(low\): enter a duration/],
      ['a calendar id no calendar has', { calendar: '999999' }, 'calendar', /SLA calendar: choose 24\/7 or one of the calendars/],
      ['a calendar that is not an id', { calendar: 'office' }, 'calendar', /SLA calendar: choose 24\/7 or one of the calendars/],
      ['warnings at 0 %', { warn_at_percent: '0' }, 'warn_at_percent', /Warn at \(% of a target's time\): enter a whole number from 1 to 99/],
      ['warnings at 100 %', { warn_at_percent: '100' }, 'warn_at_percent', /Warn at \(% of a target's time\): enter a whole number from 1 to 99/],
      ['a first response longer than the resolution target', { first_response_high: '3h' }, 'first_response_high', /First response \(high\): must not be longer than the resolution target \(2h\): shorten it, or lengthen Resolution \(high\)/],
      ['a next reply longer than the resolution target', { next_reply_low: '1d1s' }, 'next_reply_low', /Next reply \(low\): must not be longer than the resolution target \(1d\)/],
    ])('refuses %s: 400, the message next to the field, the other values kept, nothing written', async (_title, bad, field, message) => {
      await saveSettings(db(), tuned());
      const before = await stored();
      const response = await admin.submit('/adminapp/settings/', { ...OLD_FORM, sla_high: '2h', next_reply_medium: '3h', ...bad });
      expect(response.statusCode).toBe(400);
      expect(response.body).toMatch(new RegExp(`id="${field}-error"[^>]*>${message.source}`));
      expect(response.body).toMatch(new RegExp(`id="${field}"[^>]*aria-invalid="true"`));
      // The user's values are kept, and so are the stored ones the form did not send.
      expect(response.body).toMatch(/name="sla_high"[^>]*value="2h"/);
      expect(response.body).toMatch(/name="next_reply_medium"[^>]*value="3h"/);
      if (field !== 'first_response_high') expect(response.body).toMatch(/name="first_response_high"[^>]*value="15m"/);
      expect(response.body).toMatch(/type="checkbox"[^>]*name="pause_while_waiting"[^>]*checked/);
      expect(await stored()).toEqual(before);
    });
  });
}
