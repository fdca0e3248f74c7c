/**
 * Two admins editing the same settings, team, topic or calendar from pages loaded before either
 * saved (qa-admin finding 1), through the real app on both engines: each test plays QA's sequence
 * with the forms as the pages render them (every field as shown, plus what each admin changed).
 * - The second save keeps the first admin's changes and applies its own, and its audit entry
 *   names only what it changed.
 * - A field both changed is a 409: nothing written, the form back with the admin's value, a
 *   message naming the field and its current value; saving that form again applies it.
 * A post without `_shown` (scripts, older pages) still saves every field as sent: the other
 * tests of these forms post that way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/repositories/settings.js';
import { listTeams, listTopics } from '../../src/repositories/teams.js';
import { agentTeamsAndSkills, createSkill, saveTeam } from '../../src/services/teams.js';
import { findCalendar } from '../../src/repositories/calendars.js';
import { saveCalendar } from '../../src/services/calendars.js';
import { parseCalendar } from '../../src/core/calendar.js';
import { addStaff, type Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { berlinOffice, calendarTables } from '../support/calendars.js';
import { DIALECTS } from '../support/db.js';
import { pageForm } from '../support/pageForm.js';
import { adminClient, visibleText } from './support.js';

type Form = Record<string, string | string[]>;

for (const dialect of DIALECTS) {
  describe(`two admins editing one record (${dialect})`, () => {
    let t: TestApp;
    let mgr: Client;
    let mgr2: Client;
    const db = () => t.ctx.handle.db;

    /** The form of `url` posting to `action` as `client`'s browser would send it unchanged. */
    const load = async (client: Client, url: string, action = url): Promise<Form> => {
      const page = await client.get(url);
      expect(page.statusCode).toBe(200);
      return pageForm(page.body, action);
    };
    /** Sends a loaded form with `changes` (its CSRF token as loaded). */
    const save = (client: Client, action: string, form: Form, changes: Form = {}) => client.post(action, { ...form, ...changes });
    const auditsOf = (action: string) => db().selectFrom('audit_log').select(['actor_name', 'before_json', 'after_json']).where('action', '=', action).orderBy('id').execute();
    const lastAudit = async (action: string) => {
      const entry = (await auditsOf(action)).at(-1)!;
      return { actor: entry.actor_name, before: JSON.parse(entry.before_json ?? 'null'), after: JSON.parse(entry.after_json ?? 'null') };
    };

    beforeAll(async () => {
      t = await startTestApp(dialect);
      for (const name of ['ana', 'cy', 'fay']) await addStaff(t.ctx, name);
      mgr = (await adminClient(t, 'mgr')).client;
      mgr2 = (await adminClient(t, 'mgr2')).client;
    });
    afterAll(() => t.close());

    describe('settings', () => {
      const URL = '/adminapp/settings/';

      it("keeps mgr's changes when mgr2 saves a page loaded before them, and audits only mgr2's change", async () => {
        const [mine, theirs] = [await load(mgr, URL), await load(mgr2, URL)];
        expect((await save(mgr, URL, mine, { release_on_logout: 'on', next_reply_medium: '3m' })).statusCode).toBe(303);
        expect((await save(mgr2, URL, theirs, { email_priority: 'low' })).statusCode).toBe(303);
        expect(await loadSettings(db())).toMatchObject({ releaseOnLogout: true, nextReply: { medium: 180 }, emailPriority: 'low' });
        expect(await lastAudit('settings.update')).toEqual({ actor: 'mgr2', before: { emailPriority: 'medium' }, after: { emailPriority: 'low' } });
      });

      it('refuses a field both changed with 409 naming it and its current value; nothing written; the form sent again applies it', async () => {
        const [mine, theirs] = [await load(mgr, URL), await load(mgr2, URL)];
        // The same duration written another way is no change: mgr2's untouched `1h` stays `1h`.
        expect((await save(mgr, URL, mine, { sla_high: '6m', first_response_high: '2m' })).statusCode).toBe(303);
        const stored = await loadSettings(db());
        const audits = (await auditsOf('settings.update')).length;
        const refused = await save(mgr2, URL, theirs, { sla_high: '10m', default_capacity: '7' });
        expect(refused.statusCode).toBe(409);
        expect(visibleText(refused)).toContain('Someone else saved the settings after you opened this page, so nothing was saved.');
        expect(refused.body).toMatch(/id="sla_high-error"[^>]*>Resolution \(high\): another admin changed this to “6m” after you opened the page/);
        expect(refused.body).not.toMatch(/id="first_response_high-error"/);
        expect(await loadSettings(db())).toEqual(stored);
        expect(await auditsOf('settings.update')).toHaveLength(audits);
        // Shown again: mgr2's values where mgr2 typed, mgr's elsewhere.
        const again = pageForm(refused.body, URL);
        expect(again).toMatchObject({ sla_high: '10m', default_capacity: '7', first_response_high: '2m' });
        expect((await save(mgr2, URL, again)).statusCode).toBe(303);
        expect(await loadSettings(db())).toMatchObject({ sla: { high: 600 }, firstResponse: { high: 120 }, defaultCapacity: 7 });
      });

      it('takes the same change made by both, and a calendar in a conflict is named', async () => {
        const office = await saveCalendar(t.ctx, null, parseCalendar(berlinOffice('Office')), null);
        const night = await saveCalendar(t.ctx, null, parseCalendar(berlinOffice('Night shift')), null);
        const [mine, theirs, third] = [await load(mgr, URL), await load(mgr2, URL), await load(mgr2, URL)];
        expect((await save(mgr, URL, mine, { warn_at_percent: '80', calendar: String(office.id) })).statusCode).toBe(303);
        expect((await save(mgr2, URL, theirs, { warn_at_percent: '80' })).statusCode).toBe(303);
        const refused = await save(mgr2, URL, third, { calendar: String(night.id) });
        expect(refused.statusCode).toBe(409);
        expect(visibleText(refused)).toContain('SLA calendar: another admin changed this to “Office”');
      });

      it('refuses a damaged `_shown` with 400 and writes nothing', async () => {
        const stored = await loadSettings(db());
        const response = await save(mgr, URL, await load(mgr, URL), { _shown: '{not json', default_capacity: '9' });
        expect(response.statusCode).toBe(400);
        expect(visibleText(response)).toContain('This form arrived damaged, so nothing was saved.');
        expect(await loadSettings(db())).toEqual(stored);
      });
    });

    describe('a team', () => {
      const URL = '/adminapp/teams/1/';
      let billing: number;
      beforeAll(async () => {
        const form = await load(mgr, '/adminapp/teams/new/');
        expect((await save(mgr, '/adminapp/teams/new/', form, { name: 'Billing', members: ['cy'] })).statusCode).toBe(303);
        billing = (await listTeams(db())).find((team) => team.name === 'Billing')!.id;
      });
      const support = async () => (await listTeams(db(), 1))[0]!;

      it("keeps fay out of Support when mgr2 then sets the overflow from an older page; mgr2's entry has the overflow only", async () => {
        expect((await support()).members).toEqual(['ana', 'cy', 'fay']);
        const [mine, theirs] = [await load(mgr, URL), await load(mgr2, URL)];
        expect((await save(mgr, URL, mine, { members: ['ana', 'cy'] })).statusCode).toBe(303);
        expect((await save(mgr2, URL, theirs, { overflow_team: 'billing', overflow_after_minutes: '20' })).statusCode).toBe(303);
        expect(await support()).toMatchObject({ members: ['ana', 'cy'], overflow_team: 'Billing', overflow_after_minutes: 20 });
        expect(await lastAudit('team.update')).toEqual({ actor: 'mgr2', before: { overflow_team: null, overflow_after_minutes: null }, after: { overflow_team: 'Billing', overflow_after_minutes: 20 } });
      });

      it('refuses members changed by both with 409, naming the current members', async () => {
        const [mine, theirs] = [await load(mgr, URL), await load(mgr2, URL)];
        expect((await save(mgr, URL, mine, { members: ['ana', 'cy', 'fay'] })).statusCode).toBe(303);
        const refused = await save(mgr2, URL, theirs, { members: ['ana'], name: 'Support desk' });
        expect(refused.statusCode).toBe(409);
        expect(visibleText(refused)).toContain('Members: another admin changed this to “ana,cy,fay”');
        expect(await support()).toMatchObject({ name: 'Support', members: ['ana', 'cy', 'fay'] });
        expect(billing).toBeGreaterThan(1);
      });

      it("keeps mgr's queue order when mgr2 saves another field from an older page; both changing it is a 409 naming the current choice", async () => {
        const [mine, theirs] = [await load(mgr, URL), await load(mgr2, URL)];
        expect((await save(mgr, URL, mine, { queue_order: 'deadline' })).statusCode).toBe(303);
        expect((await save(mgr2, URL, theirs, { overflow_team: '', overflow_after_minutes: '' })).statusCode).toBe(303);
        expect(await support()).toMatchObject({ queue_order: 'deadline', overflow_team: null });
        expect(await lastAudit('team.update')).toEqual({ actor: 'mgr2', before: { overflow_team: 'Billing', overflow_after_minutes: 20 }, after: { overflow_team: null, overflow_after_minutes: null } });
        const [again, older] = [await load(mgr, URL), await load(mgr2, URL)];
        expect((await save(mgr, URL, again, { queue_order: '' })).statusCode).toBe(303);
        const refused = await save(mgr2, URL, older, { queue_order: 'oldest' });
        expect(refused.statusCode).toBe(409);
        expect(visibleText(refused)).toContain('Queue order: another admin changed this to “the desk’s”');
        expect((await support()).queue_order).toBeNull();
        // Sent again as it came back, it applies (the admin saw the current value).
        const resent = await save(mgr2, URL, pageForm(refused.body, URL));
        expect(resent.statusCode).toBe(303);
        expect((await support()).queue_order).toBe('oldest');
      });
    });

    describe('a topic', () => {
      let url: string;
      const topic = async () => (await listTopics(db())).find((x) => `/adminapp/topics/${x.id}/` === url)!;
      beforeAll(async () => {
        const form = await load(mgr, '/adminapp/topics/new/');
        expect((await save(mgr, '/adminapp/topics/new/', form, { name: 'Hardware', team: 'support' })).statusCode).toBe(303);
        url = `/adminapp/topics/${(await listTopics(db())).find((x) => x.name === 'Hardware')!.id}/`;
      });

      it("keeps mgr's rename when mgr2 sets a default priority from an older page", async () => {
        const [mine, theirs] = [await load(mgr, url), await load(mgr2, url)];
        expect((await save(mgr, url, mine, { name: 'Hardware & devices' })).statusCode).toBe(303);
        expect((await save(mgr2, url, theirs, { default_priority: 'high' })).statusCode).toBe(303);
        expect(await topic()).toMatchObject({ name: 'Hardware & devices', default_priority: 'high' });
        expect(await lastAudit('topic.update')).toEqual({ actor: 'mgr2', before: { default_priority: null }, after: { default_priority: 'high' } });
      });

      it('refuses a name both changed with 409, keeping what mgr2 typed', async () => {
        const [mine, theirs] = [await load(mgr, url), await load(mgr2, url)];
        expect((await save(mgr, url, mine, { name: 'Devices' })).statusCode).toBe(303);
        const refused = await save(mgr2, url, theirs, { name: 'Gadgets' });
        expect(refused.statusCode).toBe(409);
        expect(visibleText(refused)).toContain('Name: another admin changed this to “Devices”');
        expect(pageForm(refused.body, url)).toMatchObject({ name: 'Gadgets', default_priority: 'high' });
        expect((await topic()).name).toBe('Devices');
      });
    });

    describe("an agent's teams and skills", () => {
      let url: string;
      let action: string;
      const held = async () => {
        const { teams, skills } = await agentTeamsAndSkills(db(), 'cy');
        return { teams: teams.sort(), skills: skills.sort() };
      };
      beforeAll(async () => {
        for (const name of ['Tech', 'Sales']) await saveTeam(t.ctx, null, { name, overflowTeam: null, overflowAfterMinutes: null });
        for (const name of ['German', 'French']) await createSkill(t.ctx, null, { name });
        const cy = (await db().selectFrom('users').select('id').where('username', '=', 'cy').executeTakeFirstOrThrow()).id;
        url = `/admin/users/${cy}/`;
        action = `${url}teams/`;
      });

      it("keeps the team mgr added when mgr2 ticks a skill on an older page (was: mgr2's save took mgr's team away)", async () => {
        const start = await held();
        const [mine, theirs] = [await load(mgr, url, action), await load(mgr2, url, action)];
        expect([mine.teams].flat().sort()).toEqual(start.teams);
        expect((await save(mgr, action, mine, { teams: [...start.teams, 'Tech'] })).statusCode).toBe(303);
        expect((await save(mgr2, action, theirs, { skills: 'German' })).statusCode).toBe(303);
        expect(await held()).toEqual({ teams: [...start.teams, 'Tech'].sort(), skills: ['German'] });
        expect(await lastAudit('user.teams')).toEqual({ actor: 'mgr2', before: { skills: [] }, after: { skills: ['German'] } });
      });

      it('both change the teams: each one’s change stays (one adds Sales, the other takes Tech away)', async () => {
        const start = await held();
        expect(start.teams).toContain('Tech');
        const [mine, theirs] = [await load(mgr, url, action), await load(mgr2, url, action)];
        expect((await save(mgr, action, mine, { teams: [...start.teams, 'Sales'] })).statusCode).toBe(303);
        expect((await save(mgr2, action, theirs, { teams: start.teams.filter((x) => x !== 'Tech') })).statusCode).toBe(303);
        expect((await held()).teams).toEqual([...start.teams.filter((x) => x !== 'Tech'), 'Sales'].sort());
      });

      it('refuses a damaged form with 400 and changes nothing', async () => {
        const before = await held();
        const refused = await save(mgr, action, await load(mgr, url, action), { _shown: '[1]', teams: 'Tech' });
        expect(refused.statusCode).toBe(400);
        expect(visibleText(refused)).toContain('This form arrived damaged');
        expect(await held()).toEqual(before);
      });
    });

    describe('a calendar', () => {
      let url: string;
      let id: number;
      beforeAll(async () => {
        id = (await saveCalendar(t.ctx, null, parseCalendar(berlinOffice('Berlin office')), null)).id;
        url = `/adminapp/calendars/${id}/`;
      });

      it("keeps mgr's holiday when mgr2 changes Saturday's hours from an older page", async () => {
        const [mine, theirs] = [await load(mgr, url), await load(mgr2, url)];
        expect((await save(mgr, url, mine, { holidays: `${String(mine.holidays)}\n2026-12-31` })).statusCode).toBe(303);
        expect((await save(mgr2, url, theirs, { hours_sat: '10:00-18:00' })).statusCode).toBe(303);
        const saved = (await findCalendar(db(), id))!.definition;
        expect(saved.holidays).toContainEqual({ from: '2026-12-31', to: '2026-12-31', yearly: false });
        expect(saved.hours.sat).toEqual([{ start: 600, end: 1080 }]);
        const entry = await lastAudit('calendar.update');
        expect(entry.actor).toBe('mgr2');
        expect(entry.after).toEqual({ definition: { hours: { sat: [{ start: 600, end: 1080 }] } } });
      });

      it('refuses holidays both changed with 409 and writes nothing', async () => {
        const [mine, theirs] = [await load(mgr, url), await load(mgr2, url)];
        expect((await save(mgr, url, mine, { holidays: '2027-01-01' })).statusCode).toBe(303);
        const before = await calendarTables(db());
        const refused = await save(mgr2, url, theirs, { holidays: '2027-05-01' });
        expect(refused.statusCode).toBe(409);
        expect(visibleText(refused)).toContain('Holidays (closed all day): another admin changed this to “2027-01-01”');
        expect(await calendarTables(db())).toEqual(before);
        expect(csrfFrom(refused.body)).not.toBe('');
      });
    });
  });
}
