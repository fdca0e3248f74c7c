import { describe, expect, it } from 'vitest';
import { type AgentLoad, chooseBalanceDonor, type Move, planDrain, planPull, planRelease } from '../../src/core/routing.js';
import {
  anyMayTake,
  balanceTicket,
  skillDeletionConflict,
  skillsText,
  skillsTextWithout,
  teamDeletionConflict,
  topicDeletionConflict,
  topicText,
  type Membership,
  mayTake,
  nextWideningAt,
  planTeamFollowUp,
  planTeamIntake,
  queuesServedBy,
  requiredSkillsAt,
  shareTeam,
  sharedTeams,
  type SkillNeed,
  type TeamRule,
  type TeamTicket,
  teamRule,
  teamsOpenTo,
  topicNamed,
  type TeamWorld,
  waitingWhileEligible,
} from '../../src/core/teams.js';

const NOW = Date.UTC(2026, 11, 4, 10, 0, 0);
const MIN = 60_000;

// Teams: 1 Support (overflows into 3 after 30 min), 2 Billing, 3 Tier 2. Skills: 10 German, 11 SQL.
const TEAMS = new Map<number, TeamRule>([
  [1, { id: 1, overflowTeamId: 3, overflowAfterMs: 30 * MIN, queueOrder: null }],
  [2, { id: 2, overflowTeamId: null, overflowAfterMs: null, queueOrder: null }],
  [3, { id: 3, overflowTeamId: null, overflowAfterMs: null, queueOrder: null }],
]);

function agent(id: number, over: Partial<AgentLoad> = {}): AgentLoad {
  return { id, presence: 'available', capacity: 5, openCount: 0, lastAssignedAt: null, ...over };
}

function world(members: Record<number, Membership>): TeamWorld {
  return { teams: TEAMS, members: new Map(Object.entries(members).map(([id, m]) => [Number(id), m])) };
}

/** A ticket of `teamId` created `ageMin` minutes before NOW needing `skills`. */
function ticket(id: number, teamId: number, ageMin = 0, skills: SkillNeed[] = []): TeamTicket {
  const createdAt = NOW - ageMin * MIN;
  return { id, createdAt, slaDueAt: createdAt + 60 * MIN, teamId, skills };
}

const german = (optionalAfterMin: number | null = null): SkillNeed => ({ skillId: 10, optionalAfterMs: optionalAfterMin === null ? null : optionalAfterMin * MIN });
const sql: SkillNeed = { skillId: 11, optionalAfterMs: null };

const W = world({
  1: { teams: [1], skills: [] },
  2: { teams: [1], skills: [10] },
  3: { teams: [2], skills: [10, 11] },
  4: { teams: [1, 2], skills: [11] },
  5: { teams: [3], skills: [] },
});

const byTicket = (moves: readonly Move[]): Move[] => [...moves].sort((a, b) => a.ticketId - b.ticketId);

describe('requiredSkillsAt (a skill optional after a wait)', () => {
  it.each<[string, TeamTicket, number[]]>([
    ['no skills: none needed', ticket(1, 1), []],
    ['a required skill stays required however long it waits', ticket(1, 1, 600, [german()]), [10]],
    ['an optional-after-10-min skill is needed at 9 min', ticket(1, 1, 9, [german(10)]), [10]],
    ['and no longer at exactly 10 min', ticket(1, 1, 10, [german(10)]), []],
    ['each skill counts its own wait', ticket(1, 1, 10, [german(10), sql]), [11]],
  ])('%s', (_t, t, expected) => {
    expect(requiredSkillsAt(t, NOW)).toEqual(expected);
  });
});

describe('teamsOpenTo (overflow)', () => {
  it.each<[string, TeamTicket, number[]]>([
    ['a fresh ticket is open to its own team only', ticket(1, 1, 0), [1]],
    ['29 min: overflow not yet open', ticket(1, 1, 29), [1]],
    ['30 min: the overflow team may take it too', ticket(1, 1, 30), [1, 3]],
    ['a team without overflow never widens', ticket(1, 2, 600), [2]],
  ])('%s', (_t, t, expected) => {
    expect(teamsOpenTo(t, TEAMS, NOW)).toEqual(expected);
  });
});

describe('mayTake (§12 candidates: members of the team holding its skills)', () => {
  it.each<[string, number, TeamTicket, boolean]>([
    ['a member of the team without skills takes a ticket needing none', 1, ticket(1, 1), true],
    ['an agent outside the team never does', 3, ticket(1, 1), false],
    ['a member lacking a required skill does not', 1, ticket(1, 1, 0, [german()]), false],
    ['a member holding it does', 2, ticket(1, 1, 0, [german()]), true],
    ['once the skill is optional, the member lacking it may', 1, ticket(1, 1, 15, [german(10)]), true],
    ['a member of two teams takes from either', 4, ticket(1, 2, 0, [sql]), true],
    ['an overflow member may not before the wait', 5, ticket(1, 1, 29), false],
    ['and may after it', 5, ticket(1, 1, 30), true],
    ['an overflow member still needs the skills', 5, ticket(1, 1, 30, [german()]), false],
    ['an agent in no team takes nothing', 99, ticket(1, 1), false],
  ])('%s', (_t, agentId, t, expected) => {
    expect(mayTake(W, agentId, t, NOW)).toBe(expected);
  });
});

describe('anyMayTake (is anyone who may take it in?)', () => {
  it.each<[string, number[], TeamTicket, boolean]>([
    ['nobody available', [], ticket(1, 1), false],
    ['only an agent of another team', [3], ticket(1, 1), false],
    ['a member of its team', [3, 1], ticket(1, 1), true],
    ['members lacking its skill', [1, 4], ticket(1, 1, 0, [german()]), false],
    ['the member holding it', [1, 2], ticket(1, 1, 0, [german()]), true],
    ['an overflow member before the wait', [5], ticket(1, 1, 29), false],
    ['an overflow member after it', [5], ticket(1, 1, 30), true],
  ])('%s', (_t, available, t, expected) => {
    expect(anyMayTake(W, available, t, NOW)).toBe(expected);
  });
});

describe('nextWideningAt (the due moment of the time-driven job)', () => {
  it.each<[string, TeamTicket, number | null]>([
    ['nothing time-driven: null', ticket(1, 2, 0, [sql]), null],
    ['the overflow moment', ticket(1, 1, 0), NOW + 30 * MIN],
    ['the earlier of a skill turning optional and the overflow', ticket(1, 1, 0, [german(10)]), NOW + 10 * MIN],
    ['a moment already passed is not due again', ticket(1, 1, 10, [german(10)]), NOW + 20 * MIN],
    ['after every widening: null', ticket(1, 1, 31, [german(10)]), null],
  ])('%s', (_t, t, expected) => {
    expect(nextWideningAt(t, TEAMS, NOW)).toBe(expected);
  });
});

describe('planTeamIntake (R1 within the team)', () => {
  it.each<[string, AgentLoad[], TeamTicket[], (number | null)[]]>([
    ['a ticket goes to the best-ranked member of its team', [agent(1, { openCount: 1 }), agent(2), agent(3)], [ticket(1, 1)], [2]],
    ['never to a less loaded agent outside the team', [agent(1, { openCount: 4 }), agent(3)], [ticket(1, 1)], [1]],
    ['never to a member lacking a skill: it waits', [agent(1), agent(3, { presence: 'away' })], [ticket(1, 1, 0, [german()])], [null]],
    [
      'a waiting ticket of one team does not hold back the next team',
      [agent(1, { openCount: 5 }), agent(2, { openCount: 5 }), agent(4, { openCount: 5 }), agent(3)],
      [ticket(1, 1), ticket(2, 2)],
      [null, 3],
    ],
    ['one capacity across teams: agent 4 (teams 1 and 2) fills up once', [agent(4, { capacity: 1 })], [ticket(1, 1), ticket(2, 2)], [4, null]],
  ])('%s', (_t, agents, tickets, expected) => {
    expect(planTeamIntake(agents, tickets, teamRule(W, NOW), NOW).agentIds).toEqual(expected);
  });
});

describe('planTeamFollowUp', () => {
  it.each<[string, AgentLoad[], TeamTicket, number | null, number | null]>([
    ['the previous agent with room gets it', [agent(1), agent(2)], ticket(1, 1), 2, 2],
    ['not when it has left the team: R1 in the team instead', [agent(1), agent(3)], ticket(1, 1), 3, 1],
    ['not when it lacks a skill the ticket needs: R1 among those holding it', [agent(1), agent(4)], ticket(1, 1, 0, [sql]), 1, 4],
    ['nobody holding the skill has room: it waits', [agent(1), agent(4, { openCount: 5 })], ticket(1, 1, 0, [sql]), 1, null],
  ])('%s', (_t, agents, t, previous, expected) => {
    expect(planTeamFollowUp(agents, t, previous, teamRule(W, NOW), NOW, false).agentIds).toEqual([expected]);
  });

  it('not when its team\'s queue holds a waiting ticket: R1 (the least recently assigned of the team) instead', () => {
    const agents = [agent(1), agent(2, { lastAssignedAt: NOW - MIN })];
    expect(planTeamFollowUp(agents, ticket(1, 1), 2, teamRule(W, NOW), NOW, true).agentIds).toEqual([1]);
    expect(planTeamFollowUp(agents, ticket(1, 1), 2, teamRule(W, NOW), NOW, false).agentIds).toEqual([2]);
  });
});

describe('planPull with teams (R2: heads of all the agent\'s teams, earliest first)', () => {
  it('takes only tickets of its teams it has the skills for, in queue order', () => {
    const queue = [ticket(1, 3, 50), ticket(2, 1, 40, [german()]), ticket(3, 2, 30), ticket(4, 1, 20), ticket(5, 2, 10)];
    const plan = planPull([agent(4, { capacity: 2 })], 4, queue, NOW, teamRule(W, NOW));
    expect(plan.moves).toEqual([
      { ticketId: 3, from: null, to: 4 },
      { ticketId: 4, from: null, to: 4 },
    ]);
  });
});

describe('planDrain with teams (team-I3 after every transaction)', () => {
  it('skips a ticket nobody eligible has room for and routes those behind it', () => {
    const agents = [agent(1, { capacity: 1 }), agent(3, { capacity: 1 })];
    const queue = [ticket(1, 1, 30, [sql]), ticket(2, 2, 20), ticket(3, 1, 10)];
    const plan = planDrain(agents, queue, NOW, new Map(), teamRule(W, NOW));
    expect(byTicket(plan.moves)).toEqual([
      { ticketId: 2, from: null, to: 3 },
      { ticketId: 3, from: null, to: 1 },
    ]);
    expect(waitingWhileEligible(plan.agents, W, [queue[0]!], () => NOW)).toEqual([]);
  });
});

describe('planRelease with teams (R5)', () => {
  it('a released ticket goes only to a member of its team; otherwise it is requeued', () => {
    const agents = [agent(4, { presence: 'offline', openCount: 2 }), agent(1), agent(3, { openCount: 5 })];
    const released = [ticket(1, 1, 5), ticket(2, 2, 4)];
    const plan = planRelease(agents, 4, released, [], 'oldest', NOW, teamRule(W, NOW));
    expect(byTicket(plan.moves)).toEqual([
      { ticketId: 1, from: 4, to: 1 },
      { ticketId: 2, from: 4, to: null },
    ]);
  });
});

describe('R3 with teams', () => {
  it.each<[string, number, AgentLoad[], number | null]>([
    ['the busiest agent sharing a team gives', 1, [agent(1), agent(2, { openCount: 3 }), agent(3, { openCount: 5 })], 2],
    ['an agent of another team never does', 1, [agent(1), agent(3, { openCount: 5 })], null],
    ['an agent in two teams balances with both', 4, [agent(4), agent(1, { openCount: 2 }), agent(3, { openCount: 3 })], 3],
  ])('donor: %s', (_t, taker, agents, expected) => {
    expect(chooseBalanceDonor(agents, taker, 0, (a, b) => shareTeam(W, a, b))).toBe(expected);
  });

  it('the taker gets the donor\'s newest ticket it may take (of a shared team, holding its skills)', () => {
    const newestFirst = [ticket(3, 2), ticket(2, 1, 1, [german()]), ticket(1, 1, 2)];
    expect(balanceTicket(newestFirst, agent(1), teamRule(W, NOW), W.members.get(1)!.teams)).toBe(1);
    expect(balanceTicket(newestFirst, agent(4), teamRule(W, NOW), W.members.get(4)!.teams)).toBe(3);
    expect(balanceTicket([ticket(2, 1, 1, [german()])], agent(1), teamRule(W, NOW), W.members.get(1)!.teams)).toBeNull();
  });

  it('only a ticket of one of the taker’s own teams: not one it may take only through its team’s opened overflow', () => {
    // 6 is in Support and Tier 2; 5 only in Tier 2, which Support overflows into after 30 min.
    const w = world({ 5: { teams: [3], skills: [] }, 6: { teams: [1, 3], skills: [] } });
    expect(sharedTeams(w, 5, 6)).toEqual([3]);
    const newestFirst = [ticket(7, 1, 40), ticket(8, 3, 50)];
    expect(mayTake(w, 5, newestFirst[0]!, NOW)).toBe(true);
    expect(balanceTicket(newestFirst, agent(5), teamRule(w, NOW), w.members.get(5)!.teams)).toBe(8);
    expect(balanceTicket([ticket(7, 1, 40)], agent(5), teamRule(w, NOW), w.members.get(5)!.teams)).toBeNull();
  });
});

describe('queuesServedBy (routing reads only these queues)', () => {
  it.each<[string, number[], number[]]>([
    ['an agent reads its teams', [4], [1, 2]],
    ['an overflow team reads the team overflowing into it', [5], [1, 3]],
    ['nobody: nothing', [], []],
  ])('%s', (_t, takers, expected) => {
    expect([...queuesServedBy(W, takers)].sort()).toEqual(expected);
  });
});

describe('waitingWhileEligible (team-I3 for the invariant helpers)', () => {
  it.each<[string, AgentLoad[], TeamTicket[], { ticketId: number; agentIds: number[] }[]]>([
    ['a ticket waiting while a member with the skill has room is a violation', [agent(2), agent(1)], [ticket(1, 1, 0, [german()])], [{ ticketId: 1, agentIds: [2] }]],
    ['room outside the team is no violation', [agent(3), agent(1, { openCount: 5 })], [ticket(1, 1)], []],
    ['room without the skill is no violation', [agent(1)], [ticket(1, 1, 0, [german()])], []],
    ['an away member is no violation', [agent(1, { presence: 'away' })], [ticket(1, 1)], []],
  ])('%s', (_t, agents, pending, expected) => {
    expect(waitingWhileEligible(agents, W, pending, () => NOW)).toEqual(expected);
  });
});

describe('topicNamed (the topic a form or API call names)', () => {
  const topics = [
    { id: 1, name: 'General', hidden: 0 },
    { id: 2, name: 'Rechnung Über', hidden: 1 },
    { id: 12, name: '7', hidden: 0 },
  ];
  it.each<[string, string, number | undefined]>([
    ['a name, another letter case', 'general', 1],
    ['a name with non-ASCII letters, another case', 'rechnung über', 2],
    ['a hidden topic is found (the caller refuses it)', 'Rechnung Über', 2],
    ['digits are an id', '12', 12],
    ['digits name no topic by name (a topic named "7" is reached by its id)', '7', undefined],
    ['an unknown name', 'Billing', undefined],
    ['an id that does not exist', '99', undefined],
    ['a name with spaces around is not trimmed here', ' General', undefined],
  ])('%s', (_t, named, expected) => {
    expect(topicNamed(topics, named)?.id).toBe(expected);
  });
});

describe('teamDeletionConflict / skillDeletionConflict: what still uses a team or skill (a 409 saying so)', () => {
  const unused = { builtIn: false, openTickets: 0, topics: [], overflowFrom: [], lastTeamOf: [] };
  it.each<[string, Parameters<typeof teamDeletionConflict>[1], string | null]>([
    ['nothing uses it', unused, null],
    ['Support', { ...unused, builtIn: true }, 'Team “Billing” cannot be deleted: every new agent joins it.'],
    ['one open ticket', { ...unused, openTickets: 1 }, 'Team “Billing” cannot be deleted: it holds 1 open ticket (close or move it to another team).'],
    ['topics', { ...unused, topics: ['Invoices', 'VIP'] }, 'Team “Billing” cannot be deleted: topics route to it: Invoices, VIP (give them another team).'],
    ['teams overflowing into it', { ...unused, overflowFrom: ['Front', 'Night'] }, 'Team “Billing” cannot be deleted: teams overflow into it: Front, Night (give them another overflow team, or none).'],
    [
      'everything at once, each named',
      { builtIn: false, openTickets: 4, topics: ['Invoices'], overflowFrom: [], lastTeamOf: [{ username: 'ben', openTickets: 2 }] },
      'Team “Billing” cannot be deleted: it holds 4 open tickets (close or move them to another team); topics route to it: Invoices (give them another team); it is the last team of agents holding tickets: ben (2 open tickets) (an agent keeps a team until its tickets are closed or moved).',
    ],
  ])('%s', (_what, use, expected) => {
    expect(teamDeletionConflict('Billing', use)).toBe(expected);
  });

  it.each<[readonly string[], string | null]>([
    [[], null],
    [['Invoices', 'VIP'], 'Skill “German” cannot be deleted: topics require it: Invoices, VIP (take it off them first).'],
  ])('skill required by %j', (topics, expected) => {
    expect(skillDeletionConflict('German', topics)).toBe(expected);
  });

  it.each<[readonly string[], number, string | null]>([
    [[], 0, null],
    [[], 1, 'Skill “German” cannot be deleted: 1 waiting ticket still needs it (give it to an agent first).'],
    [['Invoices'], 3, 'Skill “German” cannot be deleted: topics require it: Invoices (take it off them first); 3 waiting tickets still need it (give them to an agent first).'],
  ])('skill required by topics %j and %i waiting tickets (nobody could ever hold it again: they would wait for good)', (topics, waiting, expected) => {
    expect(skillDeletionConflict('German', topics, waiting)).toBe(expected);
  });

  it.each<[string, Parameters<typeof topicDeletionConflict>[1], string | null]>([
    ['another topic is on the form', { hidden: false, otherVisibleTopics: 1 }, null],
    ['a hidden topic (the form never offered it)', { hidden: true, otherVisibleTopics: 0 }, null],
    ['the last topic on the form', { hidden: false, otherVisibleTopics: 0 }, 'Topic “General” cannot be deleted: it is the last topic on the form, and new tickets need one (add or show another topic first).'],
  ])('topic: %s', (_what, use, expected) => {
    expect(topicDeletionConflict('General', use)).toBe(expected);
  });
});

describe('skillsTextWithout: a deleted skill taken off an open ticket (nobody could hold it again)', () => {
  const german = { id: 10, name: 'German', after: null };
  const sql = { id: 11, name: 'SQL', after: 30 * MIN };
  const sql101 = { id: 101, name: 'SQL 101', after: null };
  it.each<[string, string, number, string | null]>([
    ['the only skill', skillsText([german]), 10, '[]'],
    ['one of two, the other kept with its wait', skillsText([german, sql]), 10, skillsText([sql])],
    ['an optional one', skillsText([german, sql]), 11, skillsText([german])],
    ['not named: unchanged', skillsText([german, sql]), 12, null],
    ['an id that only begins the same: unchanged', skillsText([sql101]), 10, null],
    ['no skills at all: unchanged', '[]', 10, null],
  ])('%s', (_what, text, skillId, expected) => {
    expect(skillsTextWithout(text, skillId)).toBe(expected);
  });
});

describe('topicText (a ticket\'s topic in words, as its pages and the export say it)', () => {
  it.each<[string, number | null, string | null, string | null]>([
    ['its topic, by name', 2, 'Billing', 'Billing'],
    ['a topic deleted since: its id kept, no name found', 2, null, '(deleted topic)'],
    ['one deleted before ids were kept (id 0)', 0, null, '(deleted topic)'],
    ['no topic at all', null, null, null],
  ])('%s', (_what, id, name, expected) => {
    expect(topicText(id, name)).toBe(expected);
  });
});
