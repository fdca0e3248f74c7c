import { describe, expect, it } from 'vitest';
import { changedParts } from '../../src/core/audit.js';
import { CALENDAR_EDIT_FORM } from '../../src/core/calendarForm.js';
import { EditConflict, mergeDecision, mergePost, shownOf, shownText } from '../../src/core/formMerge.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { settingsEditForm, settingsFormTexts, settingsFormValues } from '../../src/core/settingsForm.js';
import { TEAM_EDIT_FORM, teamBodyOf, topicBodyOf, topicEditForm } from '../../src/core/teamForm.js';

describe('mergeDecision: shown, mine, stored per field', () => {
  it.each<[string, string, string | undefined, string, { edited: boolean; conflict: boolean }]>([
    // name, shown, mine, stored
    ['nobody changed it', 'a', 'a', 'a', { edited: false, conflict: false }],
    ['only the other admin changed it: theirs stays', 'a', 'a', 'b', { edited: false, conflict: false }],
    ['only I changed it: mine', 'a', 'c', 'a', { edited: true, conflict: false }],
    ['both, to the same value: no conflict', 'a', 'b', 'b', { edited: true, conflict: false }],
    ['both, to different values: conflict', 'a', 'c', 'b', { edited: true, conflict: true }],
    ['both, and I put back what it was before: conflict', 'a', 'a2', 'b', { edited: true, conflict: true }],
    ['not sent: not edited', 'a', undefined, 'b', { edited: false, conflict: false }],
  ])('%s', (_name, shown, mine, stored, expected) => {
    const decision = mergeDecision(['f'], { f: shown }, mine === undefined ? {} : { f: mine }, { f: stored });
    expect({ edited: decision.edited.includes('f'), conflict: decision.conflicts.includes('f') }).toEqual(expected);
  });

  it('counts a field the page did not show as shown as stored', () => {
    expect(mergeDecision(['new'], {}, { new: 'x' }, { new: 'y' })).toEqual({ edited: ['new'], conflicts: [] });
    expect(mergeDecision(['new'], {}, { new: 'y' }, { new: 'y' })).toEqual({ edited: [], conflicts: [] });
  });
});

describe('shownOf: the posted `_shown`', () => {
  it.each<[string, unknown, ReturnType<typeof shownOf>]>([
    ['absent: read as sent', undefined, undefined],
    ['a page’s', shownText({ a: '1', b: '' }), { a: '1', b: '' }],
    ['not JSON', '{a', null],
    ['an array', '["a"]', null],
    ['a number inside', '{"a":1}', null],
    ['repeated (an array of texts)', ['{}', '{}'], null],
    ['null', 'null', null],
  ])('%s', (_name, raw, expected) => {
    expect(shownOf(raw)).toEqual(expected);
  });
});

describe('the settings form in a merge', () => {
  const form = settingsEditForm((id) => (id === 3 ? 'Office' : undefined));
  const stored = settingsFormValues(DEFAULT_SETTINGS);

  it('reads boxes as ticked or not: the pause box’s hidden companion alone is unticked', () => {
    expect(settingsFormTexts({ pause_while_waiting: ['off', 'on'] }).pause_while_waiting).toBe('on');
    expect(settingsFormTexts({ pause_while_waiting: 'off' }).pause_while_waiting).toBe('');
    expect(settingsFormTexts({}).release_on_logout).toBe('');
    expect(settingsFormTexts({}).sla_high).toBeUndefined();
  });

  it('applies only what the admin edited, durations compared by value', () => {
    const now = { ...stored, release_on_logout: 'on', sla_medium: '20m' };
    const merged = mergePost(form, { ...stored, sla_high: '60s', email_priority: 'low' }, stored, now)!;
    expect(merged.values).toMatchObject({ release_on_logout: 'on', sla_medium: '20m', email_priority: 'low', sla_high: stored.sla_high });
    // The next `_shown`: stored, except the edited fields keep what the page showed.
    expect(merged.shown).toEqual({ ...now, email_priority: stored.email_priority });
  });

  it('names a conflicting field with its current value in words', () => {
    const conflict = (() => {
      try {
        mergePost(form, { ...stored, calendar: '4', release_on_logout: '' }, { ...stored, release_on_logout: 'on' }, { ...stored, calendar: '3', release_on_logout: 'on' });
      } catch (error) {
        return error as EditConflict;
      }
      throw new Error('no conflict');
    })();
    expect(conflict).toBeInstanceOf(EditConflict);
    expect(conflict.fields).toEqual({
      calendar: 'SLA calendar: another admin changed this to “Office” after you opened the page. Your value is kept here: save again to replace theirs, or change it back.',
    });
    // Mine where I edited (the box I unticked too), theirs elsewhere.
    expect(conflict.values).toMatchObject({ calendar: '4', release_on_logout: '' });
    expect(conflict.stored.calendar).toBe('3');
  });

  it('reads a post without `_shown` as sent', () => {
    expect(mergePost(form, { sla_high: '1m' }, undefined, stored)).toBeNull();
  });
});

describe('the team and topic forms in a merge', () => {
  const team = { name: 'Support', members: 'ana,cy,fay', overflow_team: '', overflow_after_minutes: '' };

  it('compares members in any order and the overflow team in any letter case, and posts members as boxes', () => {
    const merged = mergePost(TEAM_EDIT_FORM, { name: 'Support', members: ['fay', 'cy', 'ana'], overflow_team: 'billing', overflow_after_minutes: '20' }, { ...team, overflow_team: '' }, { ...team, members: 'ana,cy' })!;
    expect(merged.values).toEqual({ name: 'Support', members: 'ana,cy', overflow_team: 'billing', overflow_after_minutes: '20' });
    expect(teamBodyOf(merged.values).members).toEqual(['ana', 'cy']);
    expect(teamBodyOf({ ...merged.values, members: '' }).members).toEqual([]);
    const sameTeam = mergePost(TEAM_EDIT_FORM, { name: 'Support', members: ['ana', 'cy', 'fay'], overflow_team: 'support' }, { ...team, overflow_team: 'Support' }, { ...team, overflow_team: 'Billing' })!;
    expect(sameTeam.values.overflow_team).toBe('Billing');
  });

  it('treats a topic’s unticked hidden box and skills as empty', () => {
    const form = topicEditForm([{ id: 2, name: 'German' }]);
    const shown = { name: 'Invoices', team: 'Billing', hidden: 'on', default_priority: '', addresses: 'a@x.test, b@x.test', skills: 'German', skill_after_2: '10' };
    const merged = mergePost(form, { name: 'Invoices', team: 'billing', default_priority: '', addresses: 'B@x.test,a@x.test', skill_after_2: '10' }, shown, shown)!;
    expect(merged.values).toMatchObject({ hidden: '', skills: '' });
    expect(topicBodyOf(merged.values)).toMatchObject({ skills: [] });
    expect(topicBodyOf(merged.values)).not.toHaveProperty('hidden');
    expect(topicBodyOf({ ...merged.values, hidden: 'on', skills: 'German' })).toMatchObject({ hidden: 'on', skills: ['German'] });
  });

  it('compares a calendar’s hours and holidays as read, each day one field', () => {
    const shown = { name: 'Office', time_zone: 'UTC', hours_mon: '09:00-17:00', hours_tue: '', hours_wed: '', hours_thu: '', hours_fri: '', hours_sat: '', hours_sun: '', holidays: '2026-12-24' };
    const merged = mergePost(CALENDAR_EDIT_FORM, { ...shown, hours_mon: '9:00 - 17:00', holidays: '2026-12-24\n', hours_sat: '10:00-14:00' }, shown, { ...shown, holidays: '2026-12-24\n2026-12-31' })!;
    expect(merged.values).toMatchObject({ hours_mon: '09:00-17:00', hours_sat: '10:00-14:00', holidays: '2026-12-24\n2026-12-31' });
  });
});

describe('changedParts: what an update entry records', () => {
  it.each<[string, unknown, unknown, ReturnType<typeof changedParts>]>([
    ['one setting', { a: 1, b: 2 }, { a: 1, b: 3 }, { before: { b: 2 }, after: { b: 3 } }],
    ['a nested leaf', { sla: { high: 1, low: 2 }, c: true }, { sla: { high: 5, low: 2 }, c: true }, { before: { sla: { high: 1 } }, after: { sla: { high: 5 } } }],
    ['a list, whole', { members: ['a', 'b'], name: 'S' }, { members: ['a'], name: 'S' }, { before: { members: ['a', 'b'] }, after: { members: ['a'] } }],
    ['nothing', { a: [1], b: { c: null } }, { a: [1], b: { c: null } }, null],
    ['a field added', { a: 1 }, { a: 1, b: 2 }, { before: {}, after: { b: 2 } }],
    ['not objects', 1, 2, { before: 1, after: 2 }],
  ])('%s', (_name, before, after, expected) => {
    expect(changedParts(before, after)).toEqual(expected);
  });
});
