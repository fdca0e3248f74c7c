/**
 * Teams under load across processes (issue 16 point 4): 3 PostgreSQL / 2 SQLite server processes,
 * 3 teams, agents in 1–3 teams, skills, creations naming topics of every team, agents acting over
 * HTTP. Team-I3 and I2 are watched on committed states throughout (the invariant helper checks I3
 * per team); afterwards I1–I5 hold, every ticket was only ever given to a member of its team holding
 * its skills, and no agent is above its one capacity across teams.
 */
import { describe, expect, it } from 'vitest';
import { validateTeam, validateTopic } from '../../src/core/teamInput.js';
import type { ServiceContext } from '../../src/services/context.js';
import { createSkill, saveTeam, saveTopic, setAgentTeamsAndSkills } from '../../src/services/teams.js';
import { skillNeedsOf } from '../../src/core/teams.js';
import { addStaff } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { invariantViolations, runLoad, serversOnBlankDatabase, watchCapacity } from '../support/load.js';

const TICKETS = 120;
// [teams, skills] per agent: 1 to 3 teams each; German only where some of its team holds it too.
const AGENTS: [string[], string[]][] = [
  [['Support'], []],
  [['Support', 'Billing'], ['German']],
  [['Billing'], []],
  [['Billing', 'Tech'], ['SQL']],
  [['Tech'], ['SQL', 'German']],
  [['Support', 'Billing', 'Tech'], ['German']],
  [['Tech'], []],
];

for (const dialect of DIALECTS) {
  const processes = dialect === 'postgres' ? 3 : 2;
  describe(`teams on ${processes} server processes on one ${dialect} database`, () => {
    const { database, servers } = serversOnBlankDatabase(dialect, processes);

    it(`keeps I1–I5 and team-I3 with ${TICKETS} creations over 3 teams and skills`, async () => {
      const handle = database().open();
      const ctx: ServiceContext = { handle, clock: { now: () => Date.now() }, publicUrl: 'http://helpdesk.test' };
      const admin = { id: (await handle.db.selectFrom('users').select('id').where('role', '=', 'admin').executeTakeFirstOrThrow()).id, username: 'admin', address: '127.0.0.1' };
      for (const name of ['Billing', 'Tech']) await saveTeam(ctx, admin, validateTeam({ name }));
      for (const name of ['German', 'SQL']) await createSkill(ctx, admin, { name });
      await saveTopic(ctx, admin, validateTopic({ name: 'Rechnung', team: 'Billing', skills: ['German'] }));
      await saveTopic(ctx, admin, validateTopic({ name: 'Database', team: 'Tech', skills: ['SQL'] }));
      await saveTopic(ctx, admin, validateTopic({ name: 'Invoices', team: 'Billing' }));
      const agents = [];
      for (const [i, [teams, skills]] of AGENTS.entries()) {
        const id = await addStaff(ctx, `agent${i}`, { capacity: 2 + (i % 3) });
        await setAgentTeamsAndSkills(ctx, admin, id, { teams, skills });
        agents.push({ username: `agent${i}`, password: 'password123' });
      }

      const watcher = watchCapacity(handle);
      const result = await runLoad({ urls: () => servers().map((s) => s.url), tickets: TICKETS, concurrency: 20, agents, agentRounds: 8, seed: 7, topics: ['General', 'Rechnung', 'Database', 'Invoices'] });
      const watched = await watcher.stop();

      expect(result.failures).toEqual([]);
      expect(result.accepted).toHaveLength(TICKETS);
      expect(watched.violations).toEqual([]);
      expect(await invariantViolations(handle, result.accepted)).toEqual([]);

      // Nothing ever given outside the ticket's team or to an agent lacking a skill it needs (no overflow, no optional skills here).
      const members = await handle.db.selectFrom('team_members').select(['team_id', 'user_id']).execute();
      const skills = await handle.db.selectFrom('agent_skills').select(['skill_id', 'user_id']).execute();
      const given = await handle.db
        .selectFrom('ticket_events as e')
        .innerJoin('tickets as t', 't.id', 'e.ticket_id')
        .select(['t.id', 't.team_id', 't.required_skills', 'e.to_agent_id'])
        .where('e.to_agent_id', 'is not', null)
        .where('e.type', 'in', ['created', 'assigned', 'reassigned'])
        .execute();
      const wrong = given.filter(
        (g) =>
          !members.some((m) => m.team_id === g.team_id && m.user_id === g.to_agent_id) ||
          !skillNeedsOf(g.required_skills).every((need) => skills.some((s) => s.skill_id === need.skillId && s.user_id === g.to_agent_id)),
      );
      expect(wrong).toEqual([]);
      const byTeam = await handle.db.selectFrom('tickets').select(['team_id']).execute();
      expect(new Set(byTeam.map((t) => t.team_id)).size).toBe(3);
      expect(given.length).toBeGreaterThan(TICKETS / 2);
      console.log(`${dialect} teams: ${result.requests} requests, ${result.closes} closes, ${watched.checks} I2/team-I3 checks`);
    });
  });
}
