import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateTeam, validateTopic } from '../../src/core/teamInput.js';
import { RoutingDueJob } from '../../src/jobs/routingDue.js';
import type { ServiceContext } from '../../src/services/context.js';
import { TicketIntake } from '../../src/services/intake.js';
import { changePresence } from '../../src/services/presence.js';
import { requeueTicket } from '../../src/services/admin.js';
import { type AdminActor, createSkill, deleteTeam, saveTeam, saveTopic, setAgentTeamsAndSkills } from '../../src/services/teams.js';
import { closeTicket } from '../../src/services/tickets.js';
import { nextRoutingDueAt } from '../../src/repositories/routingDue.js';
import { loadRoutingState } from '../../src/repositories/routingState.js';
import { insertEndpoint } from '../../src/repositories/webhooks.js';
import { addStaff } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { DIALECTS, freshDatabase, type TestDatabase } from '../support/db.js';
import { capacityViolations, historyViolations } from '../support/invariants.js';

const MIN = 60_000;
const form = (i: number, topic?: string) => ({ name: `C ${i}`, email: `c${i}@example.com`, title: `T ${i}`, description: 'Help', priority: 'medium', ...(topic ? { topic } : {}) });

for (const dialect of DIALECTS) {
  describe(`teams, topics and skills in routing (${dialect})`, () => {
    let database: TestDatabase;
    let ctx: ServiceContext;
    const clock = new FakeClock(Date.UTC(2026, 11, 4, 10, 0, 0));
    let admin: AdminActor;
    let ana: number; // Support only
    let ben: number; // Billing, German
    let cy: number; // Support and Billing
    let intake: TicketIntake;

    const db = () => database.handle.db;
    const ticketRow = (id: number) => db().selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const invariants = async () => [...(await capacityViolations(db())), ...(await historyViolations(db()))];
    const snapshot = async () => {
      const rows = await Promise.all(['teams', 'team_members', 'skills', 'agent_skills', 'topics', 'topic_skills', 'topic_addresses', 'tickets'].map((t) => db().selectFrom(t as 'teams').selectAll().execute()));
      return JSON.stringify(rows);
    };

    beforeAll(async () => {
      database = await freshDatabase(dialect);
      ctx = { handle: database.handle, clock, publicUrl: 'http://helpdesk.test' };
      admin = { id: await addStaff(ctx, 'root', { role: 'admin' }), username: 'root', address: '127.0.0.1' };
      ana = await addStaff(ctx, 'ana', { capacity: 1 });
      ben = await addStaff(ctx, 'ben', { capacity: 1 });
      cy = await addStaff(ctx, 'cy', { capacity: 2 });
      intake = new TicketIntake(ctx);
    });
    afterAll(() => database.drop());

    it('after the migration every agent, including new ones, is in Support, and tickets show team, topic and skills', async () => {
      const members = await db().selectFrom('team_members').select(['team_id', 'user_id']).orderBy('user_id').execute();
      expect(members).toEqual([ana, ben, cy].map((user_id) => ({ team_id: 1, user_id })));
      await changePresence(ctx, ana, 'available');
      const t = await intake.submit(form(1));
      expect([t.team_id, t.topic_id, t.required_skills, t.agent_id]).toEqual([1, 1, '[]', ana]);
      await closeTicket(ctx, { id: ana, role: 'agent' }, t.id);
    });

    it('sets up Billing (overflowing into Support after 30 min), German, and a topic needing German optional after 10 min', async () => {
      const billing = await saveTeam(ctx, admin, validateTeam({ name: 'Billing', overflow_team: 'Support', overflow_after_minutes: '30' }));
      await createSkill(ctx, admin, { name: 'German' });
      await setAgentTeamsAndSkills(ctx, admin, ben, { teams: ['Billing'], skills: ['German'] });
      await setAgentTeamsAndSkills(ctx, admin, cy, { teams: ['Support', 'billing'] });
      await saveTopic(ctx, admin, validateTopic({ name: 'Rechnung', team: 'Billing', skills: [{ name: 'german', optional_after_minutes: 10 }], addresses: ['rechnung@example.com'] }));
      await saveTopic(ctx, admin, validateTopic({ name: 'Invoices', team: 'Billing' }));
      expect(billing).toBeGreaterThan(1);
      expect(await invariants()).toEqual([]);
    });

    it('the routing state reads every topic with its skills and the active webhook endpoints in its one query', async () => {
      // A name with the characters a list format could trip on; hidden, so no later ticket takes it.
      const odd = 'Ünïcode, "quoted" : 1=2';
      await createSkill(ctx, admin, { name: odd });
      const topicId = await saveTopic(ctx, admin, validateTopic({ name: `Odd ${odd}`, team: 'Billing', hidden: 'true', default_priority: 'high', skills: [{ name: odd }, { name: 'German', optional_after_minutes: 5 }] }));
      const endpoint = (events: string, active: boolean) => insertEndpoint(db(), { url: 'https://hooks.example.com/x', events, secret: 'whsec_x', active, now: clock.now() });
      const [a, off, b] = [await endpoint('ticket.created,ticket.closed', true), await endpoint('*', false), await endpoint('*', true)];
      try {
        const state = await loadRoutingState(db(), clock.now(), 1);
        const german = (await db().selectFrom('skills').select('id').where('name', '=', 'German').executeTakeFirstOrThrow()).id;
        const oddId = (await db().selectFrom('skills').select('id').where('name', '=', odd).executeTakeFirstOrThrow()).id;
        expect(state.topics.map((t) => t.name)).toEqual(['General', 'Rechnung', 'Invoices', `Odd ${odd}`]);
        expect(state.topics.at(-1)).toEqual({
          id: topicId,
          name: `Odd ${odd}`,
          teamId: state.topics[1]!.teamId,
          teamName: 'Billing',
          defaultPriority: 'high',
          hidden: true,
          skills: [
            { id: german, name: 'German', optionalAfterMinutes: 5 },
            { id: oddId, name: odd, optionalAfterMinutes: null },
          ].sort((x, y) => x.id - y.id),
        });
        expect(state.topics[1]!.skills).toEqual([{ id: german, name: 'German', optionalAfterMinutes: 10 }]);
        expect(state.topics[0]!.hidden).toBe(false);
        expect(state.webhookEndpoints).toEqual([
          { id: a.id, events: 'ticket.created,ticket.closed' },
          { id: b.id, events: '*' },
        ]);
        // Without new tickets the topics are not read; the endpoints always are.
        const plain = await loadRoutingState(db(), clock.now());
        expect([plain.topics, plain.webhookEndpoints.length]).toEqual([[], 2]);
      } finally {
        await db().deleteFrom('webhook_endpoints').where('id', 'in', [a.id, off.id, b.id]).execute();
      }
    });

    it('a ticket goes only to a member of its team holding its skills; it waits rather than go elsewhere', async () => {
      await changePresence(ctx, cy, 'available');
      // ana (Support) and cy (Support, Billing, no German) have room; only ben may take Rechnung, and he is offline.
      const t = await intake.submit(form(2, 'rechnung'));
      expect(t.agent_id).toBeNull();
      expect(t.routing_due_at).toBe(clock.now() + 10 * MIN);
      expect(await capacityViolations(db())).toEqual([]);
      // An Invoices ticket (Billing, no skill) overtakes nothing cy may take: cy gets it.
      const inv = await intake.submit(form(3, 'Invoices'));
      expect(inv.agent_id).toBe(cy);
      // ben comes in: he takes the waiting German ticket (R2 from his team's queue).
      await changePresence(ctx, ben, 'available');
      expect((await ticketRow(t.id)).agent_id).toBe(ben);
      expect(await invariants()).toEqual([]);
      await closeTicket(ctx, { id: ben, role: 'agent' }, t.id);
      await closeTicket(ctx, { id: cy, role: 'agent' }, inv.id);
    });

    it('the skill turns optional after its wait: the due job routes the ticket to a member without it, once', async () => {
      await changePresence(ctx, ben, 'away');
      const t = await intake.submit(form(4, 'Rechnung'));
      expect(t.agent_id).toBeNull();
      const job = new RoutingDueJob(ctx);
      clock.advance(10 * MIN - 1);
      await job.runOnce();
      expect((await ticketRow(t.id)).agent_id).toBeNull();
      clock.advance(1);
      // Two processes' jobs at the same instant: the routing lock lets one route it, the other finds nothing due.
      await Promise.all([job.runOnce(), new RoutingDueJob(ctx).runOnce()]);
      const routed = await ticketRow(t.id);
      expect(routed.agent_id).toBe(cy);
      const events = await db().selectFrom('ticket_events').select('type').where('ticket_id', '=', t.id).execute();
      expect(events.map((e) => e.type)).toEqual(['created', 'assigned']);
      expect(await invariants()).toEqual([]);
      await closeTicket(ctx, { id: cy, role: 'agent' }, t.id);
    });

    it('the overflow opens after 30 min: a Support member may take a Billing ticket', async () => {
      await changePresence(ctx, cy, 'away');
      const t = await intake.submit(form(5, 'Invoices'));
      expect(t.agent_id).toBeNull();
      expect(t.routing_due_at).toBe(clock.now() + 30 * MIN);
      clock.advance(30 * MIN);
      await new RoutingDueJob(ctx).runOnce();
      expect((await ticketRow(t.id)).agent_id).toBe(ana);
      expect((await ticketRow(t.id)).routing_due_at).toBeNull();
      expect(await invariants()).toEqual([]);
      await closeTicket(ctx, { id: ana, role: 'agent' }, t.id);
    });

    it.each<[string, () => Promise<unknown>, string, RegExp]>([
      ['an unknown topic', () => intake.submit(form(9, 'Nope')), 'topic', /^Topic: no topic has this name/],
      ['a skill that does not exist (agent)', () => setAgentTeamsAndSkills(ctx, admin, ana, { skills: ['Klingon'] }), 'skills', /^Skills: no skill is named “Klingon”/],
      ['a skill that does not exist (topic)', () => saveTopic(ctx, admin, validateTopic({ name: 'X', team: 'Support', skills: ['Klingon'] })), 'skills', /Klingon/],
      ['an unknown team', () => setAgentTeamsAndSkills(ctx, admin, ana, { teams: ['Nowhere'] }), 'teams', /^Teams: no team is named/],
      ['an overflow without its wait', async () => validateTeam({ name: 'Y', overflow_team: 'Support' }), 'overflow_after_minutes', /together/],
    ])('refuses %s with a 400 naming the field, changing nothing', async (_t, act, field, message) => {
      const before = await snapshot();
      const error = await act().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'invalid_input', fields: { [field]: expect.stringMatching(message) } });
      expect(await snapshot()).toBe(before);
    });

    it('refuses deleting a team holding open tickets, with their count, and taking an agent\'s last team while it holds tickets', async () => {
      await changePresence(ctx, ana, 'away');
      await changePresence(ctx, ben, 'available');
      const held = await intake.submit(form(10, 'Invoices'));
      const waiting = await intake.submit(form(11, 'Invoices'));
      expect([held.agent_id, waiting.agent_id]).toEqual([ben, null]);
      const billing = (await db().selectFrom('teams').select('id').where('name', '=', 'Billing').executeTakeFirstOrThrow()).id;
      const before = await snapshot();
      // In use: a conflict (409) saying what uses it, not bad input.
      await expect(deleteTeam(ctx, admin, billing)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/^Team “Billing” cannot be deleted: it holds 2 open tickets \(close or move them to another team\)/) });
      await expect(deleteTeam(ctx, admin, 1)).rejects.toMatchObject({ code: 'conflict', message: 'Team “Support” cannot be deleted: every new agent joins it.' });
      await expect(setAgentTeamsAndSkills(ctx, admin, ben, { teams: [] })).rejects.toMatchObject({ fields: { teams: expect.stringMatching(/^Teams: the agent holds 1 open ticket;/) } });
      expect(await snapshot()).toBe(before);
      // Giving ana Billing hands her the waiting ticket at once (the change is a routing transaction).
      await changePresence(ctx, ana, 'available');
      await setAgentTeamsAndSkills(ctx, admin, ana, { teams: ['Support', 'Billing'] });
      expect((await ticketRow(waiting.id)).agent_id).toBe(ana);
      expect(await invariants()).toEqual([]);
    });

    it('an admin requeue hands the ticket at once only to another agent that may take it, else routing gives it back', async () => {
      await closeTicket(ctx, { id: ben, role: 'agent' }, (await db().selectFrom('tickets').select('id').where('agent_id', '=', ben).where('status', '=', 'open').executeTakeFirstOrThrow()).id);
      await closeTicket(ctx, { id: ana, role: 'agent' }, (await db().selectFrom('tickets').select('id').where('agent_id', '=', ana).where('status', '=', 'open').executeTakeFirstOrThrow()).id);
      // ana (Support, Billing) and ben (Billing only) have room; a General ticket is Support's: ana's.
      const t = await intake.submit(form(12));
      expect(t.agent_id).toBe(ana);
      await requeueTicket(ctx, admin, t.id);
      // ben has room but is not in Support: the ticket comes back to ana (found by test/model).
      expect((await ticketRow(t.id)).agent_id).toBe(ana);
      const events = await db().selectFrom('ticket_events').select(['type', 'to_agent_id']).where('ticket_id', '=', t.id).orderBy('id').execute();
      expect(events).toEqual([
        { type: 'created', to_agent_id: ana },
        { type: 'requeued', to_agent_id: null },
        { type: 'assigned', to_agent_id: ana },
      ]);
      expect(await invariants()).toEqual([]);
    });

    it('a requeued ticket, and a waiting one whose team’s overflow changed, get their next routing moment: the overflow opens on time with nobody acting', async () => {
      await closeTicket(ctx, { id: ana, role: 'agent' }, (await db().selectFrom('tickets').select('id').where('agent_id', '=', ana).where('status', '=', 'open').executeTakeFirstOrThrow()).id);
      await setAgentTeamsAndSkills(ctx, admin, ana, { teams: ['Support'] });
      const created = clock.now();
      const t = await intake.submit(form(13, 'Invoices'));
      expect([t.agent_id, t.routing_due_at]).toEqual([ben, null]);
      await changePresence(ctx, ben, 'away');
      clock.advance(MIN);
      await requeueTicket(ctx, admin, t.id);
      // Nobody in Billing may take it (ben and cy away); the routing-due job must wake when Support may.
      expect((await ticketRow(t.id)).agent_id).toBeNull();
      expect(await nextRoutingDueAt(db())).toBe(created + 30 * MIN);

      clock.advance(MIN);
      const billing = (await db().selectFrom('teams').select('id').where('name', '=', 'Billing').executeTakeFirstOrThrow()).id;
      await saveTeam(ctx, admin, validateTeam({ name: 'Billing', overflow_team: 'Support', overflow_after_minutes: '5' }), billing);
      expect(await nextRoutingDueAt(db())).toBe(created + 5 * MIN);
      clock.advance(3 * MIN);
      await new RoutingDueJob(ctx).runOnce();
      expect((await ticketRow(t.id)).agent_id).toBe(ana);
      expect(await invariants()).toEqual([]);
    });
  });
}
