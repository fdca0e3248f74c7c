/**
 * The commands of the model-based tests: each calls one real service on the desk and the same
 * operation on the model, then checks that the outcomes agree, that the database equals the model
 * and that I1–I5 hold (desk.ts verify). Agents are named by index, tickets by a number taken modulo
 * the tickets of the run, so a shrunk sequence stays meaningful; toString shows what was picked.
 */
import fc from 'fast-check';
import { login, logout, expireIdleSessions } from '../../src/services/auth.js';
import { changeCapacity, deactivateUser, reactivateUser, reassignTicket, requeueTicket, updateSettings } from '../../src/services/admin.js';
import { postCustomerMessage, postStaffMessage } from '../../src/services/conversation.js';
import { changePresence } from '../../src/services/presence.js';
import { closeTicket } from '../../src/services/tickets.js';
import { AGENT_COUNT, attempt, type Desk, IDLE_MINUTES, openCounts, outcomeText, verify } from './desk.js';
import { type ModelSettings, type Outcome, type Priority, refused, type RoutingModel } from './model.js';

/** Who acts on a ticket: its holder (an admin when it waits in the queue), an admin, or agent N. */
export type Actor = 'holder' | 'admin' | number;

/** Counts per command outcome and per rule applied, over a whole fc.assert (a long run prints them). */
export const coverage = new Map<string, number>();
const count = (key: string) => coverage.set(key, (coverage.get(key) ?? 0) + 1);

export function sameOutcome(real: Outcome, expected: Outcome): boolean {
  if (real.ok !== expected.ok) return false;
  if (!real.ok || !expected.ok) return !real.ok && !expected.ok && real.code === expected.code;
  return real.changed === undefined || expected.changed === undefined || real.changed === expected.changed;
}

/**
 * One thing a person or job does. Three phases, so the interleaving tests can run the service
 * calls of several steps at once and replay them on the model afterwards in every order:
 * `prepare` picks the inputs from the model's state before (which ticket, session, actor);
 * `callService` calls the real service and keeps what it returned (a ticket id, a session token);
 * `applyModel` does the same on the model.
 */
export abstract class Step implements fc.AsyncCommand<RoutingModel, Desk> {
  /** What the step picked when it ran (a ticket, a session), for the failure's message. */
  picked = '';

  abstract label(): string;
  protected prepare(_m: RoutingModel, _d: Desk): void {}
  protected abstract callService(d: Desk): Promise<Outcome>;
  abstract applyModel(m: RoutingModel): Outcome;
  /** The agent an admin's reassignment may lift above capacity (R6), once the service said so. */
  r6Target(): number | undefined {
    return undefined;
  }

  check(_m: Readonly<RoutingModel>): boolean {
    return true;
  }

  /** prepare then callService; what the service answered. */
  async perform(m: RoutingModel, d: Desk): Promise<Outcome> {
    this.picked = '';
    this.prepare(m, d);
    const outcome = await this.callService(d);
    count(`${this.label().replace(/\(.*$/, '')}: ${outcomeText(outcome)}`);
    return outcome;
  }

  async run(m: RoutingModel, d: Desk): Promise<void> {
    const before = await openCounts(d);
    const real = await this.perform(m, d);
    m.begin(d.clock.now());
    const expected = this.applyModel(m);
    const problems = sameOutcome(real, expected) ? [] : [`outcome: service ${outcomeText(real)}, model ${outcomeText(expected)}`];
    problems.push(...(await verify(d, m, before, [this.r6Target()])));
    for (const rule of m.rules) count(`rule ${rule}`);
    if (problems.length > 0) throw new Error(`after ${this.described()}:\n  ${problems.join('\n  ')}`);
  }

  /** The label with what was picked. */
  described(): string {
    return this.picked === '' ? this.label() : `${this.label()} [${this.picked}]`;
  }

  /** The step as the counterexample lists it (what it picked is in the failure's message). */
  toString(): string {
    return this.label();
  }
}

const agentOf = (d: Desk, index: number) => d.agentIds[index]!;

function pickTicket(m: Readonly<RoutingModel>, n: number): number {
  const ids = [...m.tickets.keys()].sort((a, b) => a - b);
  return ids[n % ids.length]!;
}

/** The staff member an Actor means for this ticket now; id null: an admin. */
function actorFor(m: RoutingModel, d: Desk, actor: Actor, ticketId: number): { id: number | null; writer: { id: number; role: 'agent' | 'admin' } } {
  const holder = m.tickets.get(ticketId)!.agentId;
  const id = actor === 'admin' ? null : actor === 'holder' ? holder : agentOf(d, actor);
  return { id, writer: id === null ? { id: d.adminId, role: 'admin' } : { id, role: 'agent' } };
}

const actorText = (actor: Actor) => (typeof actor === 'number' ? `agent${actor}` : actor);

/** A service call's outcome, with `changed` when it answers whether something changed. */
async function changedOutcome(call: () => Promise<boolean | { changed: boolean }>): Promise<Outcome> {
  const { outcome, value } = await attempt(call);
  return value === undefined ? outcome : { ok: true, changed: typeof value === 'boolean' ? value : value.changed };
}

class Create extends Step {
  private ticketId: number | null = null;
  constructor(readonly priority: Priority) {
    super();
  }
  label() {
    return `create(${this.priority})`;
  }
  async callService(d: Desk) {
    const { outcome, value } = await attempt(() => d.intake.submit({ name: 'Carla', email: 'carla@example.com', title: 'Help', description: 'Please.', priority: this.priority }));
    this.ticketId = value?.id ?? null;
    this.picked = this.ticketId === null ? '' : `HD-${this.ticketId}`;
    return outcome;
  }
  applyModel(m: RoutingModel) {
    return this.ticketId === null ? refused('not created') : m.create(this.ticketId, this.priority);
  }
}

class CustomerWrites extends Step {
  private ticketId = 0;
  private followUp: number | null = null;
  constructor(readonly ticket: number) {
    super();
  }
  label() {
    return `customerWrites(ticket#${this.ticket})`;
  }
  override check(m: Readonly<RoutingModel>) {
    return m.tickets.size > 0;
  }
  protected override prepare(m: RoutingModel) {
    this.ticketId = pickTicket(m, this.ticket);
  }
  async callService(d: Desk) {
    const row = await d.database.handle.db.selectFrom('tickets').select('token').where('id', '=', this.ticketId).executeTakeFirstOrThrow();
    const { outcome, value } = await attempt(() => postCustomerMessage(d.ctx, row.token, { body: 'One more thing.', channel: 'web' }));
    this.followUp = value?.kind === 'follow_up' ? value.followUp.id : null;
    this.picked = `HD-${this.ticketId}${this.followUp === null ? '' : ` → follow-up HD-${this.followUp}`}`;
    return outcome;
  }
  applyModel(m: RoutingModel) {
    // The model closed the ticket where the service found it open: no follow-up id to give.
    if (m.tickets.get(this.ticketId)!.status === 'closed' && this.followUp === null) return refused('no follow-up was created');
    return m.customerWrites(this.ticketId, this.followUp);
  }
}

class Login extends Step {
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
class Wait extends Step {
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

class Close extends Step {
  private ticketId = 0;
  private actorId: number | null = null;
  private writer = { id: 0, role: 'admin' as 'agent' | 'admin' };
  constructor(
    readonly ticket: number,
    readonly actor: Actor,
    readonly withReply: boolean,
  ) {
    super();
  }
  label() {
    return `${this.withReply ? 'replyAndClose' : 'close'}(ticket#${this.ticket}, by ${actorText(this.actor)})`;
  }
  override check(m: Readonly<RoutingModel>) {
    return m.tickets.size > 0;
  }
  protected override prepare(m: RoutingModel, d: Desk) {
    this.ticketId = pickTicket(m, this.ticket);
    const { id, writer } = actorFor(m, d, this.actor, this.ticketId);
    this.actorId = id;
    this.writer = writer;
    this.picked = `HD-${this.ticketId} by ${id === null ? 'admin' : `agent ${id}`}`;
  }
  async callService(d: Desk) {
    if (!this.withReply) return changedOutcome(() => closeTicket(d.ctx, this.writer, this.ticketId));
    const reply = { kind: 'reply' as const, body: 'Solved, closing.', close: true, seen: null, channel: 'web' as const };
    return (await attempt(() => postStaffMessage(d.ctx, this.writer, this.ticketId, reply))).outcome;
  }
  applyModel(m: RoutingModel) {
    return this.withReply ? m.replyAndClose(this.actorId, this.ticketId) : m.close(this.actorId, this.ticketId);
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
  async callService(d: Desk) {
    return (await attempt(() => changeCapacity(d.ctx, d.adminId, this.id, this.capacity === null ? '' : String(this.capacity)))).outcome;
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
  async callService(d: Desk) {
    return (await attempt(() => updateSettings(d.ctx, d.adminId, (stored) => ({ ...stored, ...this.settings })))).outcome;
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

export const priorityArb = fc.constantFrom<Priority>('high', 'medium', 'low');
export const agentArb = fc.nat({ max: AGENT_COUNT - 1 });
const ticketArb = fc.nat({ max: 50 });
const actorArb: fc.Arbitrary<Actor> = fc.oneof(fc.constant<Actor>('holder'), fc.constant<Actor>('admin'), agentArb);
/** Small capacities, so queues, full agents and balancing happen within a few commands. */
export const capacityArb = fc.integer({ min: 1, max: 3 });
export const settingsArb: fc.Arbitrary<ModelSettings> = fc.record({
  defaultCapacity: capacityArb,
  queueOrder: fc.constantFrom('oldest' as const, 'deadline' as const),
  releaseOnLogout: fc.boolean(),
});

/** One arbitrary per kind of step (the interleaving tests draw some of them on purpose). */
export const steps = {
  create: priorityArb.map((p): Step => new Create(p)),
  customerWrites: ticketArb.map((t): Step => new CustomerWrites(t)),
  login: agentArb.map((a): Step => new Login(a)),
  logout: fc.tuple(agentArb, fc.nat({ max: 3 })).map(([a, s]): Step => new Logout(a, s)),
  available: agentArb.map((a): Step => new SetPresence(a, 'available')),
  presence: fc.tuple(agentArb, fc.constantFrom('available' as const, 'away' as const)).map(([a, p]): Step => new SetPresence(a, p)),
  wait: fc.constantFrom(1, 90, 250).map((min): Step => new Wait(min)),
  expiry: fc.constant(null).map((): Step => new ExpireSessions()),
  close: fc.tuple(ticketArb, actorArb, fc.boolean()).map(([t, a, r]): Step => new Close(t, a, r)),
  closeByHolder: fc.tuple(ticketArb, fc.boolean()).map(([t, r]): Step => new Close(t, 'holder', r)),
  capacity: fc.tuple(agentArb, fc.option(fc.integer({ min: 1, max: 4 }))).map(([a, c]): Step => new Capacity(a, c)),
  settings: settingsArb.map((s): Step => new Settings(s)),
  reassign: fc.tuple(ticketArb, agentArb).map(([t, a]): Step => new Reassign(t, a)),
  requeue: ticketArb.map((t): Step => new Requeue(t)),
  activation: fc.tuple(agentArb, fc.boolean()).map(([a, active]): Step => new Activation(a, active)),
};

/** Every step, weighted roughly as a real desk sees them (tickets and their closing most). */
export function commandArb(): fc.Arbitrary<Step> {
  return fc.oneof(
    { weight: 6, arbitrary: steps.create },
    { weight: 2, arbitrary: steps.customerWrites },
    { weight: 4, arbitrary: steps.login },
    { weight: 2, arbitrary: steps.logout },
    { weight: 3, arbitrary: steps.presence },
    { weight: 2, arbitrary: steps.wait },
    { weight: 1, arbitrary: steps.expiry },
    { weight: 5, arbitrary: steps.close },
    { weight: 2, arbitrary: steps.capacity },
    { weight: 1, arbitrary: steps.settings },
    { weight: 2, arbitrary: steps.reassign },
    { weight: 2, arbitrary: steps.requeue },
    { weight: 1, arbitrary: steps.activation },
  );
}

/** How a run starts: settings and each agent's own capacity (null: the default). */
export const startArb = fc.record({ settings: settingsArb, capacities: fc.array(fc.option(capacityArb), { minLength: AGENT_COUNT, maxLength: AGENT_COUNT }) });
