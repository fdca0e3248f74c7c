import { describe, expect, it } from 'vitest';
import { type TopicNeeds, topicTakers, topicTakersText } from '../../src/core/topicTakers.js';

const TEAMS = [
  { name: 'Support', overflow_team: null, members: ['ana', 'cy'] },
  { name: 'Billing', overflow_team: 'Support', members: ['ben', 'cy'] },
  { name: 'Empty', overflow_team: null, members: [] },
];
const SKILLS = [
  { name: 'German', agents: ['ben'] },
  { name: 'SQL', agents: ['ana', 'ben'] },
  { name: 'Klingon', agents: [] },
];
const ACTIVE = new Set(['ana', 'ben', 'cy']);
const topic = (team: string, ...skills: [string, number | null][]): TopicNeeds => ({ team, skills: skills.map(([name, optional_after_minutes]) => ({ name, optional_after_minutes })) });

describe('topicTakers (who may take a topic’s tickets)', () => {
  it.each<[string, TopicNeeds, string]>([
    ['no skills: every member of its team', topic('Support'), 'ana, cy'],
    ['a skill: the members holding it', topic('Billing', ['German', null]), 'ben'],
    ['an optional skill: the others after the wait', topic('Billing', ['German', 10]), 'ben; after a wait: cy, ana'],
    ['the overflow team’s members after the wait, holding the skills still needed', topic('Billing', ['SQL', null]), 'ben; after a wait: ana'],
    ['a skill nobody of the team holds', topic('Support', ['German', null]), 'Nobody: no agent of its team holds its skills, so its tickets wait'],
    ['a skill nobody holds at all', topic('Billing', ['Klingon', null]), 'Nobody: no agent of its team holds its skills, so its tickets wait'],
    ['a team without members', topic('Empty'), 'Nobody: no agent of its team holds its skills, so its tickets wait'],
    ['only once a skill turned optional', topic('Support', ['Klingon', 30]), 'Nobody at once; after a wait: ana, cy'],
  ])('%s', (_title, needs, expected) => {
    expect(topicTakersText(topicTakers(needs, TEAMS, SKILLS, ACTIVE))).toBe(expected);
  });
});

it('a deactivated agent takes nothing', () => {
  expect(topicTakersText(topicTakers(topic('Billing', ['German', null]), TEAMS, SKILLS, new Set(['ana', 'cy'])))).toBe('Nobody: no agent of its team holds its skills, so its tickets wait');
});
