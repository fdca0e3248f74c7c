import { CompiledQuery, createQueryId, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, sql, type UnknownRow } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTeam, validateTopic } from '../../src/core/teamInput.js';
import type { ServiceContext } from '../../src/services/context.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { type AdminActor, saveTeam, saveTopic, setAgentTeamsAndSkills } from '../../src/services/teams.js';
import { closeTicket } from '../../src/services/tickets.js';
import { updateSettings } from '../../src/services/admin.js';
import { loadRoutingState } from '../../src/repositories/routingState.js';
import { insertTickets, queueHead } from '../../src/repositories/tickets.js';
import { addStaff } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { capacityViolations, historyViolations } from '../support/invariants.js';
import { addAgents, randomTickets, rng } from './summaries-support.js';

const MIN = 60_000;

/** Keeps every statement sent through a handle, to explain afterwards. */
class Statements implements KyselyPlugin {
  nodes: RootOperationNode[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.nodes.push(args.node);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/**
 * Per-team queue order (SPEC §12, README "Teams"): a waiting ticket's place in its team's queue is
 * its created_at under `oldest`, its sla_due_at under `deadline`; an agent in several teams takes
 * the earliest place first (ties: created_at, then id).
 */
for (const dialect of DIALECTS) {
  describe(`per-team queue order (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    const clock = new FakeClock(Date.UTC(2026, 11, 16, 9, 0, 0));
    let admin: AdminActor;
    let solo: number; // Steady and Urgent, capacity 1
    let bo: number; // no team of these at first, capacity 1
    let steady: number;
    let urgent: number;
    let intake: TicketIntake;

    const db = () => database.handle.db;
    const agentOf = async (id: number) => (await db().selectFrom('tickets').select('agent_id').where('id', '=', id).executeTakeFirstOrThrow()).agent_id;
    const invariants = async () => [...(await capacityViolations(db())), ...(await historyViolations(db()))];
    /** A ticket of `topic` at the clock's now, then the clock a minute on. */
    const submit = async (topic: string, priority: 'high' | 'low') => {
      const i = Math.round(clock.now() / MIN);
      const t = await intake.submit({ name: `C ${i}`, email: `c${i}@example.com`, title: `T ${i}`, description: 'Help', priority, topic });
      clock.advance(MIN);
      return t;
    };

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = { handle: database.handle, clock, publicUrl: 'http://helpdesk.test' };
      admin = { id: await addStaff(ctx, 'root', { role: 'admin' }), username: 'root', address: '127.0.0.1' };
      solo = await addStaff(ctx, 'solo', { capacity: 1 });
      bo = await addStaff(ctx, 'bo', { capacity: 1 });
      // High: resolved within 1 minute; low: within an hour. The desk takes the oldest first.
      await updateSettings(ctx, admin, (s) => ({ ...s, queueOrder: 'oldest', sla: { ...s.sla, high: 60, low: 3600 } }));
      steady = await saveTeam(ctx, admin, validateTeam({ name: 'Steady', queue_order: 'oldest' }));
      urgent = await saveTeam(ctx, admin, validateTeam({ name: 'Urgent', queue_order: 'deadline' }));
      await saveTopic(ctx, admin, validateTopic({ name: 'Steady work', team: 'Steady' }));
      await saveTopic(ctx, admin, validateTopic({ name: 'Urgent work', team: 'Urgent' }));
      await setAgentTeamsAndSkills(ctx, admin, solo, { teams: ['Steady', 'Urgent'] });
      await setAgentTeamsAndSkills(ctx, admin, bo, { teams: ['Support'] });
      intake = new TicketIntake(ctx);
    });
    afterAll(() => database.drop());

    it('the routing state carries each team’s order in its one query', async () => {
      const state = await loadRoutingState(db(), clock.now());
      expect([state.world.teams.get(1)?.queueOrder, state.world.teams.get(steady)?.queueOrder, state.world.teams.get(urgent)?.queueOrder]).toEqual([null, 'oldest', 'deadline']);
    });

    it('an agent in an oldest team and a deadline team takes the earliest place first', async () => {
      // Created a minute apart, from 0: U1 (Urgent, low: due at 60), S1 (Steady, low), U2 (Urgent,
      // high: due at 3), S2 (Steady, high). Places: S1 1 (created), U2 3 (due), S2 3 (created; after
      // U2, created earlier), U1 60 (due). The desk's oldest would take U1 first, its deadline U2.
      const start = clock.now();
      const u1 = await submit('Urgent work', 'low');
      const s1 = await submit('Steady work', 'low');
      const u2 = await submit('Urgent work', 'high');
      const s2 = await submit('Steady work', 'high');
      expect([u1, s1, u2, s2].map((t) => [t.created_at - start, t.sla_due_at - start])).toEqual([
        [0, 60 * MIN],
        [MIN, 61 * MIN],
        [2 * MIN, 3 * MIN],
        [3 * MIN, 4 * MIN],
      ]);
      const expected = [s1.id, u2.id, s2.id, u1.id];
      const orders = { desk: 'oldest' as const, teams: (await loadRoutingState(db(), clock.now())).world.teams };
      expect((await queueHead(db(), orders, 10)).map((t) => t.id)).toEqual(expected);
      expect((await queueHead(db(), orders, 2, [steady, urgent])).map((t) => t.id)).toEqual(expected.slice(0, 2));
      // Each order's read is limited; the merge keeps the earliest across them.
      expect((await queueHead(db(), orders, 1, [urgent])).map((t) => t.id)).toEqual([u2.id]);

      await changePresence(ctx, solo, 'available');
      const taken: number[] = [];
      for (let i = 0; i < 4; i++) {
        const held = (await db().selectFrom('tickets').select('id').where('agent_id', '=', solo).where('status', '=', 'open').execute()).map((r) => r.id);
        expect(held).toHaveLength(1);
        taken.push(held[0]!);
        expect(await invariants()).toEqual([]);
        await closeTicket(ctx, { id: solo, role: 'agent' }, held[0]!);
      }
      expect(taken).toEqual(expected);
      await changePresence(ctx, solo, 'offline');
    });

    it('a team switching its order applies at once to its waiting tickets (in the saving transaction)', async () => {
      // Steady (oldest) holds A (low, older, due later) and B (high, newer, due sooner); nobody free may take them.
      const a = await submit('Steady work', 'low');
      const b = await submit('Steady work', 'high');
      expect([await agentOf(a.id), await agentOf(b.id)]).toEqual([null, null]);
      await changePresence(ctx, bo, 'available');
      expect([await agentOf(a.id), await agentOf(b.id)]).toEqual([null, null]);
      // One save turns Steady to deadline first and makes bo a member: the drain ending it routes by the new order.
      await saveTeam(ctx, admin, validateTeam({ name: 'Steady', queue_order: 'deadline', members: ['solo', 'bo'] }), steady);
      expect([await agentOf(a.id), await agentOf(b.id)]).toEqual([null, bo]);
      const [entry] = await db().selectFrom('audit_log').select(['before_json', 'after_json']).where('action', '=', 'team.update').where('subject', '=', `team:${steady}`).orderBy('id', 'desc').limit(1).execute();
      expect(JSON.parse(entry!.before_json!)).toMatchObject({ queue_order: 'oldest' });
      expect(JSON.parse(entry!.after_json!)).toMatchObject({ queue_order: 'deadline' });
      await closeTicket(ctx, { id: bo, role: 'agent' }, b.id);
      expect(await agentOf(a.id)).toBe(bo);
      await closeTicket(ctx, { id: bo, role: 'agent' }, a.id);
      expect(await invariants()).toEqual([]);
    });

    it('a team following the desk changes with the desk’s setting', async () => {
      // Steady back to the desk's (oldest); bo stays a member and goes away, so tickets wait.
      await changePresence(ctx, bo, 'away');
      await saveTeam(ctx, admin, validateTeam({ name: 'Steady', queue_order: null, members: ['solo', 'bo'] }), steady);
      const a = await submit('Steady work', 'low');
      const b = await submit('Steady work', 'high');
      await updateSettings(ctx, admin, (s) => ({ ...s, queueOrder: 'deadline' }));
      await changePresence(ctx, bo, 'available');
      expect([await agentOf(a.id), await agentOf(b.id)]).toEqual([null, bo]);
      await closeTicket(ctx, { id: bo, role: 'agent' }, b.id);
      await closeTicket(ctx, { id: bo, role: 'agent' }, a.id);
      await updateSettings(ctx, admin, (s) => ({ ...s, queueOrder: 'oldest' }));
      expect(await invariants()).toEqual([]);
    });

    it('reads mixed orders one order at a time, each limited and in index order (the deadline read through tickets_queue_deadline), no sort of a queue', async () => {
      // A desk of some size (a third of the tickets in each team; the planners pick by it), Steady now deadline first.
      const r = rng(11);
      const rows = randomTickets(r, 3000, clock.now(), await addAgents(db(), 'plan', 3), []);
      for (let i = 0; i < rows.length; i += 100) await insertTickets(db(), rows.slice(i, i + 100));
      await sql`update tickets set team_id = case when id % 3 = 0 then ${sql.lit(1)} when id % 3 = 1 then ${sql.lit(steady)} else ${sql.lit(urgent)} end`.execute(db());
      await db().updateTable('teams').set({ queue_order: 'deadline' }).where('id', '=', steady).execute();
      await sql`analyze`.execute(db());
      const statements = new Statements();
      const teams = (await loadRoutingState(db(), clock.now())).world.teams;
      const head = await queueHead(db().withPlugin(statements), { desk: 'oldest', teams }, 3, [1, steady, urgent]);
      expect(head).toHaveLength(3);
      const plans = [];
      for (const node of statements.nodes) {
        const query = db().getExecutor().compileQuery(node, createQueryId());
        expect(query.sql).toMatch(/limit/i);
        const rows = await db()
          .transaction()
          .execute(async (trx) => {
            // Small as the table is, PostgreSQL might read all of it; forbid that to see which index it picks.
            if (dialect === 'postgres') await sql`set local enable_seqscan = off`.execute(trx);
            return (await trx.executeQuery(CompiledQuery.raw(`${dialect === 'sqlite' ? 'explain query plan ' : 'explain '}${query.sql}`, [...query.parameters]))).rows;
          });
        plans.push({ sql: query.sql, plan: JSON.stringify(rows) });
      }
      // Support (the desk's: oldest) in one read, Steady and Urgent (deadline) in the other.
      expect(plans).toHaveLength(2);
      const deadline = plans.find((p) => /order by "?sla_due_at/i.test(p.sql))!;
      const oldest = plans.find((p) => p !== deadline)!;
      expect(deadline.sql).toMatch(new RegExp(`team_id"? in \\(${steady}, ${urgent}\\)`));
      expect(deadline.plan).toContain('tickets_queue_deadline');
      expect(deadline.plan).not.toMatch(/TEMP B-TREE FOR ORDER BY|Sort/);
      expect(oldest.sql).toMatch(/team_id"? in \(1\)/);
      // The oldest read is the desk's own read of a team filter, as before teams had orders (SQLite
      // walks the open tickets by agent, agent_id null, in created_at order): in index order too.
      expect(oldest.plan).not.toMatch(/TEMP B-TREE FOR ORDER BY|Sort/);
    });
  });
}
