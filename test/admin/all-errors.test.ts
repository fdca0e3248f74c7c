/**
 * The admin forms answer a submission with several independent problems with all of them at once:
 * one 400 page showing a message per field (what the form's rules refuse beside what only the
 * database can: a taken name, an unknown member, team or calendar), the typed values kept, and
 * nothing written. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addStaff, type Client, csrfFrom, startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { snapshot } from '../support/snapshot.js';
import { adminClient, visibleText } from './support.js';

const SETTINGS = { sla_high: '1m', sla_medium: '4m', sla_low: '1h', default_capacity: '5', queue_order: 'oldest' };

for (const dialect of DIALECTS) {
  describe(`admin forms name every problem of a submission at once (${dialect})`, () => {
    let t: TestApp;
    let admin: Client;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = (await adminClient(t)).client;
      await addStaff(t.ctx, 'ana');
    });
    afterAll(() => t.close());

    const db = () => t.ctx.handle.db;
    const audit = () => db().selectFrom('audit_log').selectAll().orderBy('id').execute();

    it.each<[string, string, Record<string, string | string[]>, string[], string]>([
      [
        'team form: a taken name, an overflow team nobody has and a member nobody has',
        '/adminapp/teams/new/',
        { name: 'support', overflow_team: 'Nowhere', overflow_after_minutes: '30', members: ['ana', 'ghost'] },
        ['Name: another team has this name.', 'Overflow team: no team is named “Nowhere”.', 'Members: no agent is named “ghost”.'],
        'value="support"',
      ],
      [
        'team form: a bad wait beside a member nobody has',
        '/adminapp/teams/new/',
        { name: 'Billing', overflow_team: 'Support', overflow_after_minutes: 'soon', members: 'ghost' },
        ['Overflow after: enter whole minutes from 1 to 10080.', 'Members: no agent is named “ghost”.'],
        'value="soon"',
      ],
      ['topic form: a taken name beside a missing team', '/adminapp/topics/new/', { name: 'GENERAL', team: '' }, ['Name: another topic has this name.', 'Team: required.'], 'value="GENERAL"'],
      [
        'topic form: a taken name beside a bad address',
        '/adminapp/topics/new/',
        { name: 'General', team: 'Support', addresses: 'not-an-address' },
        ['Name: another topic has this name.', 'Addresses: enter email addresses such as billing@example.com.'],
        'value="not-an-address"',
      ],
      [
        'register form: a taken username beside a short password and a bad email',
        '/adminapp/register/',
        { username: 'ANA', display_name: 'Ana Again', email: 'nope', password: 'short', role: 'agent', capacity: '' },
        ['Username: this username is taken.', 'Password: at least 8 characters.', 'Email: enter a valid email address, such as name@example.com.'],
        'value="ANA"',
      ],
      [
        'settings page: a calendar nobody has beside a capacity of 0',
        '/adminapp/settings/',
        { ...SETTINGS, calendar: '999999', default_capacity: '0' },
        ['SLA calendar: choose 24/7 or one of the calendars.', 'Default capacity: enter a whole number from 1 to 1000.'],
        'value="0"',
      ],
    ])('%s', async (_what, url, fields, messages, kept) => {
      const [before, entries] = [await snapshot(db()), await audit()];
      const response = await admin.post(url, { ...fields, _csrf: csrfFrom((await admin.get(url)).body) });
      expect(response.statusCode).toBe(400);
      const text = visibleText(response);
      for (const message of messages) expect(text).toContain(message);
      expect(response.body).toContain(kept);
      expect(await snapshot(db())).toEqual(before);
      expect(await audit()).toEqual(entries);
    });

    it('forecast page: a team nobody has beside K out of range', async () => {
      const response = await admin.get('/adminapp/forecast/?from=2026-01-01&to=2026-01-31&team=999&k_min=0&k_max=5');
      expect(response.statusCode).toBe(400);
      const text = visibleText(response);
      expect(text).toContain('Team: no team has this id.');
      expect(text).toContain('Fewest agents: enter a whole number of agents from 1 to 500.');
    });
  });
}
