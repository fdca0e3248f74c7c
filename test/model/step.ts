/**
 * One step of the model-based tests (a thing a person or job does) and the helpers steps share:
 * how a step runs against the desk and the model, and how it picks agents, tickets and actors.
 */
import type fc from 'fast-check';
import { attempt, type CapacityChange, type Desk, outcomeText, stepStart, verify } from './desk.js';
import type { Outcome, RoutingModel } from './model.js';

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
  /** The capacity the step set, once the service said so: an agent's own (null: the default) or the default. */
  capacityChange(): CapacityChange | undefined {
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
    const before = await stepStart(d);
    const real = await this.perform(m, d);
    m.begin(d.clock.now());
    const expected = this.applyModel(m);
    const problems = sameOutcome(real, expected) ? [] : [`outcome: service ${outcomeText(real)}, model ${outcomeText(expected)}`];
    problems.push(...(await verify(d, m, before, { r6Targets: [this.r6Target()], capacities: [this.capacityChange()] })));
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

export const agentOf = (d: Desk, index: number) => d.agentIds[index]!;

export function pickTicket(m: Readonly<RoutingModel>, n: number): number {
  const ids = [...m.tickets.keys()].sort((a, b) => a - b);
  return ids[n % ids.length]!;
}

/** The staff member an Actor means for this ticket now; id null: an admin. */
export function actorFor(m: RoutingModel, d: Desk, actor: Actor, ticketId: number): { id: number | null; writer: { id: number; role: 'agent' | 'admin' } } {
  const holder = m.tickets.get(ticketId)!.agentId;
  const id = actor === 'admin' ? null : actor === 'holder' ? holder : agentOf(d, actor);
  return { id, writer: id === null ? { id: d.adminId, role: 'admin' } : { id, role: 'agent' } };
}

export const actorText = (actor: Actor) => (typeof actor === 'number' ? `agent${actor}` : actor);

/** A service call's outcome, with `changed` when it answers whether something changed. */
export async function changedOutcome(call: () => Promise<boolean | { changed: boolean }>): Promise<Outcome> {
  const { outcome, value } = await attempt(call);
  return value === undefined ? outcome : { ok: true, changed: typeof value === 'boolean' ? value : value.changed };
}

