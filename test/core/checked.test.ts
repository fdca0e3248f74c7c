import { describe, expect, it } from 'vitest';
import { accepted, adminsAreNoAgents, Checked, checkedOf, idsOfNames, quotedNames, refuseFields, rowNamed, withoutPaths } from '../../src/core/checked.js';
import { checkForecastRequest } from '../../src/core/forecastInput.js';
import { checkSettings } from '../../src/core/settings.js';
import { checkTeam, checkTopic } from '../../src/core/teamInput.js';
import { checkNewUser } from '../../src/core/users.js';
import { errorOf } from '../support/errors.js';

describe('Checked: a submission read field by field', () => {
  it('with() adds earlier problems, whose messages win on a field both name', () => {
    const checked = new Checked({ n: 1 }, { a: 'parse a', b: 'parse b' }).with({ b: 'type b', c: 'type c' });
    expect(checked.fields).toEqual({ a: 'parse a', b: 'type b', c: 'type c' });
    expect(checked.value).toEqual({ n: 1 });
  });

  it('checkedOf keeps a Checked and takes a plain value as whole', () => {
    const checked = new Checked({ n: 1 }, { a: 'x' });
    expect(checkedOf(checked)).toBe(checked);
    expect(checkedOf({ n: 2 })).toEqual(new Checked({ n: 2 }, {}));
  });

  it('accepted gives a whole value, and refuses every field at once, each labelled', () => {
    expect(accepted(new Checked(7), { a: 'Alpha' })).toBe(7);
    const error = errorOf(() => accepted(new Checked(7, { a: 'Required.', b: 'Too long.' }), { a: 'Alpha' }));
    expect(error).toMatchObject({ code: 'invalid_input', fields: { a: 'Alpha: required.', b: 'Too long.' } });
  });

  it('refuseFields does nothing without fields and keeps a given message', () => {
    expect(() => refuseFields({}, {})).not.toThrow();
    expect(errorOf(() => refuseFields({ a: 'x' }, {}, 'Nothing was changed.'))).toMatchObject({ message: 'Nothing was changed.', fields: { a: 'x' } });
  });
});

describe('withoutPaths', () => {
  it.each<[string, Record<string, unknown>, string[], Record<string, unknown>]>([
    ['a top-level key', { a: 1, b: 2 }, ['a'], { b: 2 }],
    ['a nested key, its siblings kept', { sla: { high: { resolution: 5, first_response: '1m' }, low: {} } }, ['sla.high.resolution'], { sla: { high: { first_response: '1m' }, low: {} } }],
    ['a whole object', { sla: { high: '1m', low: { resolution: '1h' } } }, ['sla.high'], { sla: { low: { resolution: '1h' } } }],
    ['several at once', { a: 1, b: 2, c: 3 }, ['a', 'c'], { b: 2 }],
    ['a path that leads nowhere', { a: 1, b: 'text' }, ['x', 'b.c', 'a.b.c'], { a: 1, b: 'text' }],
    ['the body itself (a refused body)', { a: 1 }, ['body'], { a: 1 }],
  ])('drops %s', (_what, body, paths, expected) => {
    const before = structuredClone(body);
    expect(withoutPaths(body, paths)).toEqual(expected);
    expect(body).toEqual(before);
  });
});

describe('idsOfNames and quotedNames', () => {
  const rows = [
    { id: 1, name: 'Support' },
    { id: 2, name: 'Billing' },
  ];
  it.each<[string[], { ids: number[]; unknown: string[] }]>([
    [[], { ids: [], unknown: [] }],
    [['billing', 'SUPPORT'], { ids: [2, 1], unknown: [] }],
    [['Tech', 'billing', 'Sales', 'Tech'], { ids: [2], unknown: ['Tech', 'Sales'] }],
    [['Billing', 'support', 'BILLING', 'billing'], { ids: [2, 1], unknown: [] }],
  ])('%j → %j', (asked, expected) => {
    expect(idsOfNames(rows, asked)).toEqual(expected);
  });

  it.each<[string, number | undefined]>([
    ['ärger', 3],
    ['ÄRGER', 3],
    ['billing', 2],
    ['Ärger ', undefined],
    ['Nope', undefined],
    // Decomposed (A + combining diaeresis), as macOS and some input methods send it.
    ['A\u0308rger', 3],
    ['a\u0308RGER', 3],
  ])('rowNamed(%j) folds letter case beyond ASCII and Unicode normal forms, as idsOfNames does: %j', (name, id) => {
    expect(rowNamed([...rows, { id: 3, name: 'Ärger' }], name)?.id).toBe(id);
    expect(idsOfNames([...rows, { id: 3, name: 'Ärger' }], [name]).ids[0]).toBe(id);
    // A name stored decomposed (before names were stored composed) is found by its composed spelling too.
    expect(rowNamed([...rows, { id: 3, name: 'A\u0308rger' }], name)?.id).toBe(id);
  });

  it.each<[string[], string]>([
    [[], ''],
    [['a'], '“a”'],
    [['a', 'b'], '“a” or “b”'],
    [['a', 'b', 'c'], '“a”, “b” or “c”'],
  ])('quotedNames(%j) is %s', (names, expected) => {
    expect(quotedNames(names)).toBe(expected);
  });
});

/** Each form's parse names every bad field of one submission, not the first it meets. */
describe('every parse names all of its bad fields at once', () => {
  it.each<[string, () => Checked<unknown>, string[]]>([
    ['a team: a bad wait beside a name too long and members of the wrong shape', () => checkTeam({ name: 'x'.repeat(65), overflow_team: 'Support', overflow_after_minutes: 'soon', members: 5 }), ['members', 'name', 'overflow_after_minutes']],
    ['a team named in digits alone (every ?team= reads them as an id)', () => checkTeam({ name: ' 42 ' }), ['name']],
    ['a topic named in digits alone (a ticket’s topic reads them as an id)', () => checkTopic({ name: '7', team: 'Support' }), ['name']],
    ['a topic: no name, no team, a bad address, a bad priority', () => checkTopic({ name: '', team: '', addresses: ['nope'], default_priority: 'urgent', hidden: 'maybe' }), ['addresses', 'default_priority', 'hidden', 'name', 'team']],
    ['a new user: a bad username beside a short password and a bad role', () => checkNewUser({ username: 'x', password: 'short', role: 'boss' }), ['password', 'role', 'username']],
    ['the settings: a bad calendar beside a bad capacity and a bad duration', () => checkSettings({ sla_high: 'soon', sla_medium: '4m', sla_low: '1h', default_capacity: '0', queue_order: 'oldest', calendar: 'Office' }), ['calendar', 'default_capacity', 'sla_high']],
    ['a forecast: a bad window end beside a bad K and a bad seed', () => checkForecastRequest({ from: '2026-11-01', to: 'soon', k_min: 0, seed: -1 }, Date.UTC(2026, 11, 1)), ['k_min', 'seed', 'to']],
  ])('%s', (_what, check, fields) => {
    expect(Object.keys(check().fields).sort()).toEqual(fields);
  });

  it('what parsed is there for the service to ask the database about', () => {
    const team = checkTeam({ name: 'Billing', overflow_team: 'Nowhere', overflow_after_minutes: 'soon', members: ['ana', 'ghost'] });
    expect(team.value).toMatchObject({ name: 'Billing', overflowTeam: 'Nowhere', members: ['ana', 'ghost'] });
    const topic = checkTopic({ name: 'Invoices', team: 'Billing', hidden: 'maybe' });
    expect(topic.value).toMatchObject({ name: 'Invoices', team: 'Billing' });
    expect(Object.keys(topic.fields)).toEqual(['hidden']);
    // A skill named twice in any letter case is refused (it may carry two waits); addresses are one in any case.
    const twice = checkTopic({ name: 'Invoices', team: 'Billing', skills: ['German', { name: 'german', optional_after_minutes: 5 }], addresses: ['Bill@X.example', 'bill@x.example'] });
    expect([twice.fields, twice.value.skills, twice.value.addresses]).toEqual([{ skills: 'The skill “german” is listed twice.' }, [{ name: 'German', optionalAfterMinutes: null }], ['bill@x.example']]);
    // Names are stored composed (NFC); a skill listed twice in two normal forms, and a team
    // overflowing into itself spelled in another, are caught here too.
    expect(checkTeam({ name: 'A\u0308rger' }).value.name).toBe('\u00c4rger');
    expect(checkTeam({ name: 'A\u0308rger', overflow_team: '\u00e4rger', overflow_after_minutes: '5' }).fields).toEqual({ overflow_team: 'A team cannot overflow into itself.' });
    expect(checkTopic({ name: 'U\u0308berweisung', team: 'Support', skills: ['Gr\u00f6\u00dfe', 'gro\u0308\u00dfe'] }).fields).toEqual({ skills: 'The skill “gro\u0308\u00dfe” is listed twice.' });
    const user = checkNewUser({ username: 'Ana', password: 'short' });
    expect(user.value.username).toBe('ana');
    const settings = checkSettings({ sla_high: '1m', sla_medium: '4m', sla_low: '1h', default_capacity: '0', queue_order: 'oldest', calendar: '12' });
    expect(settings.value.calendarId).toBe(12);
    const forecast = checkForecastRequest({ from: '2026-11-01', to: '2026-11-30', team: '4', k_min: 0 }, Date.UTC(2026, 11, 1));
    expect(forecast.value.teamId).toBe(4);
  });
});

describe('an admin named where an agent is needed (adminsAreNoAgents)', () => {
  it.each<[string[], string]>([
    [['root'], '“root” is an admin: admins take no tickets and belong to no team.'],
    [['root', 'boss'], '“root” and “boss” are admins: admins take no tickets and belong to no team.'],
    [['a', 'b', 'c'], '“a”, “b” and “c” are admins: admins take no tickets and belong to no team.'],
  ])('%j', (names, expected) => {
    expect(adminsAreNoAgents(names)).toBe(expected);
  });
});
