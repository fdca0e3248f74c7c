/**
 * Interleavings (issue 24 point 3): two to four service calls run at once against the real
 * services, their progress ordered by fast-check's scheduler; then I1–I5 must hold, and the
 * database must equal the model after the same calls made one after another in SOME order, with
 * the same answers (the routing lock makes them serial; anything else is a race).
 *
 * What is really explored, honestly: fast-check orders (1) when each call starts, and (2) when
 * each call goes on after each of its database round trips: a Kysely plugin awaits a scheduled
 * task after every query's result, inside transactions too. It does not order what happens inside
 * the drivers and the database: a call waiting for the routing lock (PostgreSQL's advisory lock,
 * SQLite's single connection behind Kysely's mutex) is blocked in the driver, not at a scheduled
 * point, so under the lock only the holder can move; without the lock (a mutant), the points
 * between round trips are exactly where a creation and a login can read each other's stale state.
 * On SQLite one process has one connection, and Kysely hands a query's result to the plugin before
 * it releases that connection, so a call paused at a point holds it: calls never overlap inside
 * transactions there; only their order and the gaps between their transactions vary (several
 * processes on one file are the crash and process tests' business). Work that takes real time
 * outside the database is not scheduled: while a login hashes its password (argon2id, tens of ms),
 * the scheduler releases the other calls' points, so they run to their end meanwhile. The clock
 * stands still during a schedule, so every call happens at the same instant.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fc from 'fast-check';
import type { KyselyPlugin, QueryId } from 'kysely';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Dialect } from '../../src/db/connect.js';
import { commandArb, sameOutcome, startArb, type Step, steps } from './commands.js';
import { type Desk, differences, invariantViolations, openDesk, outcomeText, resetDesk, stepStart } from './desk.js';
import type { ModelEvent, Outcome, RoutingModel } from './model.js';
import { modelRuns, PROPERTY_TIMEOUT, reportCoverage } from './runs.js';

/** The call a query belongs to (set around each scheduled call; unset for the test's own reads). */
const currentCall = new AsyncLocalStorage<string>();
let scheduler: fc.Scheduler | null = null;
const queryKinds = new WeakMap<QueryId, string>();

/** After every query a scheduled call makes, fast-check decides who goes on. */
const schedulingPoints: KyselyPlugin = {
  transformQuery(args) {
    queryKinds.set(args.queryId, args.node.kind.replace(/QueryNode$|Node$/, '').toLowerCase());
    return args.node;
  },
  async transformResult(args) {
    const call = currentCall.getStore();
    if (scheduler !== null && call !== undefined) await scheduler.schedule(Promise.resolve(), `${call} after ${queryKinds.get(args.queryId) ?? 'a query'}`);
    return args.result;
  },
};

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

/**
 * The order in which replaying the calls on the model gives the same answers and the database's
 * state, or null. `outcomes[i]` is what call i answered.
 */
async function serialOrder(desk: Desk, model: RoutingModel, calls: readonly Step[], outcomes: readonly Outcome[]): Promise<number[] | null> {
  for (const order of permutations(calls.length)) {
    const m = model.clone();
    const events: ModelEvent[] = [];
    const answers = order.map((i) => {
      m.begin(desk.clock.now());
      const answer = calls[i]!.applyModel(m);
      events.push(...m.events);
      return sameOutcome(outcomes[i]!, answer);
    });
    if (!answers.every(Boolean)) continue;
    m.events = events;
    if ((await differences(desk, m)).length === 0) return order;
  }
  return null;
}

/** Steps that call a service (not `wait`). */
const concurrentStep = fc.oneof(
  { weight: 3, arbitrary: steps.create },
  { weight: 2, arbitrary: steps.mail },
  { weight: 1, arbitrary: steps.customerWrites },
  { weight: 3, arbitrary: steps.login },
  { weight: 2, arbitrary: steps.logout },
  { weight: 2, arbitrary: steps.presence },
  { weight: 1, arbitrary: steps.expiry },
  { weight: 3, arbitrary: steps.closeByHolder },
  { weight: 1, arbitrary: steps.closeWithUndo },
  { weight: 1, arbitrary: steps.undoClose },
  { weight: 1, arbitrary: steps.pendingCloseJob },
  { weight: 2, arbitrary: steps.capacity },
  { weight: 1, arbitrary: steps.settings },
  { weight: 1, arbitrary: steps.reassign },
  { weight: 1, arbitrary: steps.requeue },
  { weight: 1, arbitrary: steps.activation },
  { weight: 1, arbitrary: steps.membership },
);

/** Commands that build the state the calls meet: at least one ticket first, so every call has one to pick. */
const prefixArb = fc.tuple(fc.array(steps.create, { minLength: 1, maxLength: 3 }), fc.array(commandArb(), { maxLength: 10 })).map(([created, rest]) => [...created, ...rest]);

/** Up to `extra` more calls beside the ones a scenario is about. */
const others = (extra: number) => fc.array(concurrentStep, { maxLength: extra });

/** `factor`: runs of the scenario per default run (the sharp I3 race gets more: it is what the routing lock is for). */
const SCENARIOS: { title: string; calls: fc.Arbitrary<Step[]>; factor?: number }[] = [
  // Logging in hashes the password first and a mail is parsed on its thread (real time, not
  // scheduled: the other call's round trips all run meanwhile), so the form's creation and the
  // availability switch are the sharper halves of the race.
  {
    title: 'a creation (form or mail) racing a login or the availability switch (the I3 race), with up to two other calls',
    calls: fc.tuple(fc.oneof(steps.create, steps.create, steps.mail), fc.oneof(steps.login, steps.available, steps.available), others(2)).map(([c, l, o]) => [c, l, ...o]),
  },
  {
    title: 'a form creation racing the availability switch alone (the I3 race at its sharpest)',
    calls: fc.tuple(steps.create, steps.available).map(([c, a]) => [c, a]),
    factor: 2,
  },
  {
    title: 'a logout (release on logout, when on) during a close, with up to two other calls',
    calls: fc.tuple(steps.logout, steps.closeByHolder, others(2)).map(([l, c, o]) => [l, c, ...o]),
  },
  { title: 'any two to four calls', calls: fc.array(concurrentStep, { minLength: 2, maxLength: 4 }) },
];

export function describeInterleavings(dialect: Dialect, defaultRuns: number): void {
  describe(`routing under interleaved calls (${dialect})`, () => {
    let desk: Desk;
    beforeAll(async () => {
      desk = await openDesk(dialect, schedulingPoints);
    });
    afterAll(() => desk.database.drop());

    for (const scenario of SCENARIOS) {
      it(`${scenario.title}: I1–I5 hold and the result is some serial order's`, async () => {
        await fc.assert(
          fc.asyncProperty(startArb, prefixArb, scenario.calls, fc.scheduler(), async (start, prefix, calls, s) => {
            // The state the calls meet, built one command at a time (and checked like a sequence).
            const model = await resetDesk(desk, start);
            for (const step of prefix) if (step.check(model)) await step.run(model, desk);
            const before = await stepStart(desk);
            scheduler = s;
            let outcomes: Outcome[];
            try {
              // A scheduled start (scheduleFunction would call at once and only delay the answer).
              const running = calls.map((call, i) =>
                s.schedule(Promise.resolve(), `#${i} ${call.label()} starts`).then(() => currentCall.run(`#${i} ${call.label()}`, () => call.perform(model, desk))),
              );
              outcomes = await s.waitFor(Promise.all(running));
            } finally {
              scheduler = null;
            }
            const problems = await invariantViolations(desk, before, { r6Targets: calls.map((c) => c.r6Target()), capacities: calls.map((c) => c.capacityChange()) });
            const order = await serialOrder(desk, model, calls, outcomes);
            if (order === null) problems.push('no serial order of these calls gives their answers and this database');
            if (problems.length > 0) {
              const answered = calls.map((c, i) => `#${i} ${c.described()}: ${outcomeText(outcomes[i]!)}`);
              throw new Error(`${problems.join('\n')}\ncalls:\n  ${answered.join('\n  ')}`);
            }
          }),
          modelRuns(`interleavings (${dialect}): ${scenario.title}`, defaultRuns * (scenario.factor ?? 1)),
        );
        reportCoverage(`interleavings (${dialect}): ${scenario.title}`);
      }, PROPERTY_TIMEOUT);
    }
  });
}
