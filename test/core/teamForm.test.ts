import { describe, expect, it } from 'vitest';
import { agentTeamsFromForm, keptFormValues, teamFormValues, teamFromForm, ticked, topicFormValues, topicFromForm } from '../../src/core/teamForm.js';
import { validateTopic } from '../../src/core/teamInput.js';
import { TEAM_TARGET_FIELDS } from '../../src/core/teamSla.js';

const SKILLS = [
  { id: 1, name: 'German' },
  { id: 2, name: 'SQL' },
];

describe('team and topic forms (§12)', () => {
  it.each<[unknown, string[]]>([
    [undefined, []],
    ['', []],
    ['ana', ['ana']],
    [['ana', 'ben'], ['ana', 'ben']],
    [['ana', 3], ['ana']],
  ])('ticked(%j) is %j', (raw, expected) => {
    expect(ticked(raw)).toEqual(expected);
  });

  it('a team form with no member ticked sets none (not: leaves them)', () => {
    expect(teamFromForm({ name: 'Billing', overflow_team: '', overflow_after_minutes: '' })).toEqual({ name: 'Billing', sla: null, overflow_team: '', overflow_after_minutes: '', queue_order: undefined, members: [] });
    expect(teamFromForm({ name: 'Billing', members: 'ana' }).members).toEqual(['ana']);
  });

  it.each<[string, Record<string, unknown>, unknown]>([
    ['ticked skills with their waits (empty: always needed)', { skills: ['german', 'SQL'], skill_after_1: '15', skill_after_2: '' }, [{ name: 'German', optional_after_minutes: '15' }, { name: 'SQL', optional_after_minutes: '' }]],
    ['a wait of an unticked skill is ignored', { skills: 'SQL', skill_after_1: '15' }, [{ name: 'SQL', optional_after_minutes: undefined }]],
    ['a ticked name no skill has goes on, for the service to refuse', { skills: ['Klingon'] }, [{ name: 'Klingon' }]],
    ['nothing ticked: no skills', {}, []],
  ])('topic form: %s', (_what, body, skills) => {
    expect(topicFromForm({ name: 'Rechnung', team: 'billing', ...body }, SKILLS).skills).toEqual(skills);
  });

  it('a topic form goes through the same check as the API body', () => {
    const input = validateTopic(topicFromForm({ name: 'VIP', team: 'billing', hidden: 'on', default_priority: 'HIGH', addresses: 'VIP@x.example, b@x.example', skills: 'German', skill_after_1: '30' }, SKILLS));
    expect(input).toEqual({ name: 'VIP', team: 'billing', hidden: true, defaultPriority: 'high', addresses: ['vip@x.example', 'b@x.example'], skills: [{ name: 'German', optionalAfterMinutes: 30 }] });
    expect(validateTopic(topicFromForm({ name: 'Plain', team: 'support' }, SKILLS))).toMatchObject({ hidden: false, defaultPriority: null, addresses: [], skills: [] });
    expect(() => validateTopic(topicFromForm({ name: 'X', team: 'support', skills: 'German', skill_after_1: 'soon' }, SKILLS))).toThrow(expect.objectContaining({ fields: { skills: expect.stringMatching(/whole minutes/) } }));
  });

  it('the agent part of the user page, and what a refused form shows again', () => {
    expect(agentTeamsFromForm({ teams: ['Support', 'Billing'], skills: 'German' })).toEqual({ teams: ['Support', 'Billing'], skills: ['German'] });
    expect(agentTeamsFromForm({})).toEqual({ teams: [], skills: [] });
    expect(keptFormValues({ _csrf: 'x', name: 'Billing', members: ['ana', 'ben'], n: 3 })).toEqual({ name: 'Billing', members: 'ana,ben' });
  });

  it('saved teams and topics as their forms show them', () => {
    // The team's own SLA fields: all empty for the desk's (core/teamSla.ts).
    const desks = Object.fromEntries(['calendar', ...TEAM_TARGET_FIELDS].map((field) => [field, '']));
    expect(teamFormValues(null)).toEqual({ name: '', ...desks, overflow_team: '', overflow_after_minutes: '', queue_order: '', members: '' });
    expect(teamFormValues({ name: 'Billing', overflow_team: 'Support', overflow_after_minutes: 30, queue_order: null, members: ['ana', 'ben'] })).toEqual({ name: 'Billing', ...desks, overflow_team: 'Support', overflow_after_minutes: '30', queue_order: '', members: 'ana,ben' });
    expect(teamFormValues({ name: 'Billing', overflow_team: null, overflow_after_minutes: null, queue_order: 'deadline', members: [] })).toEqual({ name: 'Billing', ...desks, overflow_team: '', overflow_after_minutes: '', queue_order: 'deadline', members: '' });
    const topic = { name: 'VIP', team: 'Billing', hidden: true, default_priority: 'high', addresses: ['a@x.example', 'b@x.example'], skills: [{ name: 'German', optional_after_minutes: 15 }] };
    expect(topicFormValues(topic, SKILLS)).toEqual({ name: 'VIP', team: 'Billing', hidden: 'on', default_priority: 'high', addresses: 'a@x.example, b@x.example', skills: 'German', skill_after_1: '15', skill_after_2: '' });
  });
});
