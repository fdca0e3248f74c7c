/**
 * The commands of the model-based tests: each calls one real service on the desk and the same
 * operation on the model, then checks that the outcomes agree, that the database equals the model
 * and that I1–I5 hold (desk.ts verify). Agents are named by index, tickets by a number taken modulo
 * the tickets of the run, so a shrunk sequence stays meaningful; toString shows what was picked.
 * Customers' steps (form, API, mail, messages) are in channelSteps.ts, closing in closeSteps.ts,
 * what every step shares in step.ts; here are staff's and the jobs' steps and the arbitraries.
 */
import fc from 'fast-check';
import { login, logout, expireIdleSessions } from '../../src/services/auth.js';
import { changeCapacity, deactivateUser, reactivateUser, reassignTicket, requeueTicket, updateSettings } from '../../src/services/admin.js';
import { changePresence } from '../../src/services/presence.js';
import { saveTeam, setAgentTeamsAndSkills } from '../../src/services/teams.js';
import { CustomerWrites, FormCreate, MailCreate } from './channelSteps.js';
import { Close, PendingCloseJob, RequestClose, UndoClose } from './closeSteps.js';
import { AGENT_COUNT, attempt, type CapacityChange, type Desk, IDLE_MINUTES, ids, type Membership, SKILL_NAMES, TEAM_NAMES, TOPICS } from './desk.js';
import type { ModelSettings, Outcome, Priority, QueueOrder, RoutingModel } from './model.js';
import { type Actor, agentOf, changedOutcome, pickTicket, Step } from './step.js';

export { coverage, sameOutcome, Step } from './step.js';

export class Login extends Step {
  private token = 'refused';
  constructor(readonly agent: number) {
    super();
  }
  label() {
    return `login(agent${this.agent})`;
  }
  private id = 0;
  protected override prepare(_m: RoutingModel, d: Desk) {
    this.id = agentOf(d, this.agent);
  }
  async callService(d: Desk) {
    const { outcome, value } = await attempt(() => login(d.ctx, d.usernames.get(this.id)!, 'password123', { idleMinutes: IDLE_MINUTES }));
    this.token = value?.token ?? 'refused';
    return outcome;
  }
  applyModel(m: RoutingModel) {
    return m.login(this.id, this.token);
  }
}

class Logout extends Step {
  private token = '';
  constructor(
    readonly agent: number,
    readonly session: number,
  ) {
    super();
  }
  label() {
    return `logout(agent${this.agent}, session#${this.session})`;
  }
  override check(m: Readonly<RoutingModel>) {
    return [...m.agents.values()].some((a) => a.sessions.size > 0);
  }
  protected override prepare(m: RoutingModel, d: Desk) {
    const tokens = [...m.agents.get(agentOf(d, this.agent))!.sessions.keys()];
    // No session of its own: a stale cookie (a token that ended), which changes nothing.
    this.token = tokens.length === 0 ? 'ended-session-token' : tokens[this.session % tokens.length]!;
    this.picked = tokens.length === 0 ? 'stale cookie' : '';
  }
  async callService(d: Desk) {
    return (await attempt(() => logout(d.ctx, this.token))).outcome;
  }
  applyModel(m: RoutingModel) {
    return m.logout(this.token);
  }
}

class SetPresence extends Step {
  constructor(
    readonly agent: number,
    readonly presence: 'available' | 'away',
  ) {
    super();
  }
  label() {
    return `${this.presence}(agent${this.agent})`;
  }
  private id = 0;
  override check(m: Readonly<RoutingModel>) {
    return [...m.agents.values()].some((a) => a.sessions.size > 0);
  }
  protected override prepare(_m: RoutingModel, d: Desk) {
    this.id = agentOf(d, this.agent);
  }
  async callService(d: Desk) {
    return (await attempt(() => changePresence(d.ctx, this.id, this.presence))).outcome;
  }
  applyModel(m: RoutingModel) {
    return m.changePresence(this.id, this.presence);
  }
}

/** Time passes (nothing is called; the next commands happen later, sessions grow idle). */
export class Wait extends Step {
  constructor(readonly minutes: number) {
    super();
  }
  label() {
    return `wait(${this.minutes} min)`;
  }
  override async run(_m: RoutingModel, d: Desk): Promise<void> {
    d.clock.advance(this.minutes * 60_000);
  }
  callService(): Promise<Outcome> {
    throw new Error('wait calls nothing');
  }
  applyModel(): Outcome {
    throw new Error('wait changes nothing');
  }
}

class ExpireSessions extends Step {
  label() {
    return 'expiryJob()';
  }
  async callService(d: Desk) {
    return (await attempt(() => expireIdleSessions(d.ctx, IDLE_MINUTES))).outcome;
  }
  applyModel(m: RoutingModel) {
    return m.expireSessions(IDLE_MINUTES * 60_000);
  }
}

class Capacity extends Step {
  constructor(
    readonly agent: number,
    readonly capacity: number | null,
  ) {
    super();
  }
  label() {
    return `capacity(agent${this.agent}, ${this.capacity ?? 'default'})`;
  }
  private id = 0;
  protected override prepare(_m: RoutingModel, d: Desk) {
    this.id = agentOf(d, this.agent);
  }
  private changed = false;
  async callService(d: Desk) {
    const { outcome } = await attempt(() => changeCapacity(d.ctx, d.adminId, this.id, this.capacity === null ? '' : String(this.capacity)));
    this.changed = outcome.ok;
    return outcome;
  }
  override capacityChange(): CapacityChange | undefined {
    return this.changed ? { agentId: this.id, capacity: this.capacity } : undefined;
  }
  applyModel(m: RoutingModel) {
    return m.changeCapacity(this.id, this.capacity);
  }
}

class Settings extends Step {
  constructor(readonly settings: ModelSettings) {
    super();
  }
  label() {
    const s = this.settings;
    return `settings(default capacity ${s.defaultCapacity}, ${s.queueOrder} first, release on logout ${s.releaseOnLogout ? 'on' : 'off'})`;
  }
  private changed = false;
  async callService(d: Desk) {
    const { outcome } = await attempt(() => updateSettings(d.ctx, d.adminId, (stored) => ({ ...stored, ...this.settings })));
    this.changed = outcome.ok;
    return outcome;
  }
  override capacityChange(): CapacityChange | undefined {
    return this.changed ? { agentId: 'default', capacity: this.settings.defaultCapacity } : undefined;
  }
  applyModel(m: RoutingModel) {
    return m.changeSettings(this.settings);
  }
}

class Reassign extends Step {
  private ticketId = 0;
  private target = 0;
  private moved = false;
  constructor(
    readonly ticket: number,
    readonly agent: number,
  ) {
    super();
  }
  label() {
    return `adminReassign(ticket#${this.ticket} to agent${this.agent})`;
  }
  override check(m: Readonly<RoutingModel>) {
    return m.tickets.size > 0;
  }
  override r6Target() {
    return this.moved ? this.target : undefined;
  }
  protected override prepare(m: RoutingModel, d: Desk) {
    this.ticketId = pickTicket(m, this.ticket);
    this.target = agentOf(d, this.agent);
    this.picked = `HD-${this.ticketId}`;
  }
  async callService(d: Desk) {
    const outcome = await changedOutcome(() => reassignTicket(d.ctx, d.adminId, this.ticketId, d.usernames.get(this.target)!));
    this.moved = outcome.ok && outcome.changed === true;
    return outcome;
  }
  applyModel(m: RoutingModel) {
    return m.reassign(this.ticketId, this.target);
  }
}

class Requeue extends Step {
  private ticketId = 0;
  constructor(readonly ticket: number) {
    super();
  }
  label() {
    return `adminRequeue(ticket#${this.ticket})`;
  }
  override check(m: Readonly<RoutingModel>) {
    return m.tickets.size > 0;
  }
  protected override prepare(m: RoutingModel) {
    this.ticketId = pickTicket(m, this.ticket);
    this.picked = `HD-${this.ticketId}`;
  }
  async callService(d: Desk) {
    return changedOutcome(() => requeueTicket(d.ctx, d.adminId, this.ticketId));
  }
  applyModel(m: RoutingModel) {
    return m.requeue(this.ticketId);
  }
}

class Activation extends Step {
  constructor(
    readonly agent: number,
    readonly active: boolean,
  ) {
    super();
  }
  label() {
    return `${this.active ? 'reactivate' : 'deactivate'}(agent${this.agent})`;
  }
  private id = 0;
  protected override prepare(_m: RoutingModel, d: Desk) {
    this.id = agentOf(d, this.agent);
  }
  async callService(d: Desk) {
    return changedOutcome(() => (this.active ? reactivateUser : deactivateUser)(d.ctx, d.adminId, this.id));
  }
  applyModel(m: RoutingModel) {
    return this.active ? m.reactivate(this.id) : m.deactivate(this.id);
  }
}

/** An admin sets an agent's teams and skills (indexes into TEAM_NAMES and SKILL_NAMES; no team at all is allowed). */
class SetMembership extends Step {
  private id = 0;
  constructor(
    readonly agent: number,
    readonly membership: Membership,
  ) {
    super();
  }
  label() {
    const names = (all: readonly string[], indexes: number[]) => indexes.map((i) => all[i]).join(', ') || 'none';
    return `membership(agent${this.agent}: teams ${names(TEAM_NAMES, this.membership.teams)}; skills ${names(SKILL_NAMES, this.membership.skills)})`;
  }
  private teamIds: number[] = [];
  private skillIds: number[] = [];
  protected override prepare(_m: RoutingModel, d: Desk) {
    this.id = agentOf(d, this.agent);
    this.teamIds = ids(d.teamIds, this.membership.teams);
    this.skillIds = ids(d.skillIds, this.membership.skills);
  }
  async callService(d: Desk) {
    const raw = { teams: this.membership.teams.map((i) => TEAM_NAMES[i]), skills: this.membership.skills.map((i) => SKILL_NAMES[i]) };
    return (await attempt(() => setAgentTeamsAndSkills(d.ctx, d.adminId, this.id, raw))).outcome;
  }
  applyModel(m: RoutingModel) {
    return m.setMembership(this.id, this.teamIds, this.skillIds);
  }
}

/** An admin sets a team's queue order (index into TEAM_NAMES; null: the desk's), keeping the rest of the team as saved. */
class SetTeamOrder extends Step {
  private teamId = 0;
  constructor(
    readonly team: number,
    readonly order: QueueOrder | null,
  ) {
    super();
  }
  label() {
    return `teamOrder(${TEAM_NAMES[this.team]}: ${this.order ?? 'the desk’s'})`;
  }
  protected override prepare(_m: RoutingModel, d: Desk) {
    this.teamId = d.teamIds[this.team]!;
  }
  async callService(d: Desk) {
    const input = (stored: { name: string; overflow_team: string | null; overflow_after_minutes: number | null } | undefined) => ({
      name: stored!.name,
      overflowTeam: stored!.overflow_team,
      overflowAfterMinutes: stored!.overflow_after_minutes,
      queueOrder: this.order,
    });
    return (await attempt(() => saveTeam(d.ctx, d.adminId, input, this.teamId))).outcome;
  }
  applyModel(m: RoutingModel) {
    return m.setTeamOrder(this.teamId, this.order);
  }
}

export const priorityArb = fc.constantFrom<Priority>('high', 'medium', 'low');
export const agentArb = fc.nat({ max: AGENT_COUNT - 1 });
const ticketArb = fc.nat({ max: 50 });
const actorArb: fc.Arbitrary<Actor> = fc.oneof(fc.constant<Actor>('holder'), fc.constant<Actor>('admin'), agentArb);
/** Mostly the ticket's holder: a pending close and its undo are an agent's own (others are refused). */
const holderMostlyArb: fc.Arbitrary<Actor> = fc.oneof({ weight: 3, arbitrary: fc.constant<Actor>('holder') }, { weight: 1, arbitrary: actorArb });
/** Small capacities, so queues, full agents and balancing happen within a few commands. */
export const capacityArb = fc.integer({ min: 1, max: 3 });
export const settingsArb: fc.Arbitrary<ModelSettings> = fc.record({
  defaultCapacity: capacityArb,
  queueOrder: fc.constantFrom('oldest' as const, 'deadline' as const),
  releaseOnLogout: fc.boolean(),
});

/** A team's own order, or the desk's (null) as often as both others together. */
const teamOrderArb: fc.Arbitrary<QueueOrder | null> = fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant<QueueOrder>('oldest') }, { weight: 1, arbitrary: fc.constant<QueueOrder>('deadline') });
const teamArb = fc.nat({ max: TEAM_NAMES.length - 1 });

export const topicArb = fc.nat({ max: TOPICS.length - 1 });
const teamsArb = (minLength: number) => fc.subarray(TEAM_NAMES.map((_, i) => i), { minLength });
const skillsArb = fc.subarray(SKILL_NAMES.map((_, i) => i));
/** Everyone in every team with every skill: §3's one routing domain. */
const EVERYWHERE: Membership = { teams: TEAM_NAMES.map((_, i) => i), skills: SKILL_NAMES.map((_, i) => i) };

/** One arbitrary per kind of step (the interleaving tests draw some of them on purpose). */
export const steps = {
  create: fc.tuple(priorityArb, topicArb).map(([p, t]): Step => new FormCreate(p, t)),
  mail: topicArb.map((t): Step => new MailCreate(t)),
  customerWrites: fc.tuple(ticketArb, fc.boolean()).map(([t, byMail]): Step => new CustomerWrites(t, byMail)),
  login: agentArb.map((a): Step => new Login(a)),
  logout: fc.tuple(agentArb, fc.nat({ max: 3 })).map(([a, s]): Step => new Logout(a, s)),
  available: agentArb.map((a): Step => new SetPresence(a, 'available')),
  presence: fc.tuple(agentArb, fc.constantFrom('available' as const, 'away' as const)).map(([a, p]): Step => new SetPresence(a, p)),
  wait: fc.constantFrom(1, 90, 250).map((min): Step => new Wait(min)),
  expiry: fc.constant(null).map((): Step => new ExpireSessions()),
  close: fc.tuple(ticketArb, actorArb, fc.boolean()).map(([t, a, r]): Step => new Close(t, a, r)),
  closeByHolder: fc.tuple(ticketArb, fc.boolean()).map(([t, r]): Step => new Close(t, 'holder', r)),
  closeWithUndo: fc.tuple(ticketArb, holderMostlyArb).map(([t, a]): Step => new RequestClose(t, a)),
  undoClose: fc.tuple(ticketArb, holderMostlyArb).map(([t, a]): Step => new UndoClose(t, a)),
  pendingCloseJob: fc.constant(null).map((): Step => new PendingCloseJob()),
  capacity: fc.tuple(agentArb, fc.option(fc.integer({ min: 1, max: 4 }))).map(([a, c]): Step => new Capacity(a, c)),
  settings: settingsArb.map((s): Step => new Settings(s)),
  reassign: fc.tuple(ticketArb, agentArb).map(([t, a]): Step => new Reassign(t, a)),
  requeue: ticketArb.map((t): Step => new Requeue(t)),
  activation: fc.tuple(agentArb, fc.boolean()).map(([a, active]): Step => new Activation(a, active)),
  membership: fc.tuple(agentArb, teamsArb(0), skillsArb).map(([a, teams, skills]): Step => new SetMembership(a, { teams, skills })),
  teamOrder: fc.tuple(teamArb, teamOrderArb).map(([team, order]): Step => new SetTeamOrder(team, order)),
};

/** Every step, weighted roughly as a real desk sees them (tickets and their closing most). */
export function commandArb(): fc.Arbitrary<Step> {
  return fc.oneof(
    { weight: 5, arbitrary: steps.create },
    { weight: 2, arbitrary: steps.mail },
    { weight: 3, arbitrary: steps.customerWrites },
    { weight: 4, arbitrary: steps.login },
    { weight: 2, arbitrary: steps.logout },
    { weight: 3, arbitrary: steps.presence },
    { weight: 2, arbitrary: steps.wait },
    { weight: 1, arbitrary: steps.expiry },
    { weight: 4, arbitrary: steps.close },
    { weight: 2, arbitrary: steps.closeWithUndo },
    { weight: 1, arbitrary: steps.undoClose },
    { weight: 1, arbitrary: steps.pendingCloseJob },
    { weight: 2, arbitrary: steps.capacity },
    { weight: 1, arbitrary: steps.settings },
    { weight: 2, arbitrary: steps.reassign },
    { weight: 2, arbitrary: steps.requeue },
    { weight: 1, arbitrary: steps.activation },
    { weight: 1, arbitrary: steps.membership },
    { weight: 1, arbitrary: steps.teamOrder },
  );
}

/**
 * How a run starts: settings, each agent's own capacity (null: the default), and its teams and
 * skills: one run in three has everyone everywhere (§3 alone), the others 1–3 teams and any skills
 * each; each team follows the desk's queue order or has its own (so desks mix orders).
 */
export const startArb = fc.record({
  settings: settingsArb,
  teamOrders: fc.array(teamOrderArb, { minLength: TEAM_NAMES.length, maxLength: TEAM_NAMES.length }),
  capacities: fc.array(fc.option(capacityArb), { minLength: AGENT_COUNT, maxLength: AGENT_COUNT }),
  members: fc.oneof(
    { weight: 1, arbitrary: fc.constant(Array.from({ length: AGENT_COUNT }, () => EVERYWHERE)) },
    { weight: 2, arbitrary: fc.array(fc.record({ teams: teamsArb(1), skills: skillsArb }), { minLength: AGENT_COUNT, maxLength: AGENT_COUNT }) },
  ),
});
