/**
 * Queue order `oldest` (the default, the baseline) against `deadline`: replays the same seeded
 * random arrival stream under each order and prints the SLA breaches side by side, in total and per
 * priority. A pure simulation through the product's own routing core (R1 intake, R2 pull, R3
 * balance, R4 close) and SLA arithmetic; no database.
 *
 * The model: tickets arrive as a Poisson stream (priorities mixed by `--mix`), agents are always
 * available, each holds up to `--capacity` tickets and works on one at a time, the most urgent
 * deadline first (as its dashboard lists them), taking a fixed time per ticket (its own: some
 * agents are faster than others). A ticket is closed when its agent finishes it; it is breached
 * when that is after its sla_due_at (§4). Arrivals stop after `--hours`; the run goes on until every
 * ticket is closed. The load is arrivals per second over the team's throughput.
 *
 * Second table (§12): on the same arrival streams, under `oldest`, one shared queue (the baseline)
 * against per-team queues and skills. Each arrival also has a topic (half Billing, half Tech) and a
 * quarter need German. `shared`: everyone takes everything. `teams`: the first half of the agents
 * are Billing, the others Tech; each takes only its team's tickets. `skills`: one team, but German
 * tickets go only to the agents holding German (every other agent). `skills+wait`: German is
 * optional after `--skill-wait` seconds. Routing asks the product's team rule (core/teams.ts).
 *
 *   npm run bench:queue-order -- [--quick] [--seed 42] [--runs 20] [--hours 8] [--capacity 1,5]
 *                                [--loads 0.8,0.9,1,1.1] [--handling 20,30,45,60] [--mix 20,30,50]
 *                                [--skill-wait 60]
 *
 * `--quick`: 3 runs of 2 h at capacity 5 and loads 0.9 and 1.1 (seconds, for a check by hand).
 */
import {
  type AgentLoad,
  chooseBalanceDonor,
  compareInQueue,
  type Move,
  planBalanceMove,
  planPull,
  type QueueOrder,
  spareCapacity,
} from '../src/core/routing.js';
import { seededRandom } from '../src/core/prng.js';
import { DEFAULT_SLA, isBreached, slaDueAt } from '../src/core/sla.js';
import { balanceTicket, nextWideningAt, planTeamIntake, shareTeam, teamRule, type TeamTicket, type TeamWorld } from '../src/core/teams.js';
import { PRIORITIES, type Priority } from '../src/core/tickets.js';

interface Options {
  seed: number;
  runs: number;
  hours: number;
  capacities: number[];
  loads: number[];
  /** Seconds each agent spends on a ticket. */
  handling: number[];
  /** Percent of high, medium, low tickets. */
  mix: [number, number, number];
  /** Seconds after which German is optional in the `skills+wait` scenario. */
  skillWait: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { seed: 42, runs: 20, hours: 8, capacities: [1, 5], loads: [0.8, 0.9, 1, 1.1], handling: [20, 30, 45, 60], mix: [20, 30, 50], skillWait: 60 };
  const list = (value: string | undefined) => (value ?? '').split(',').map(Number);
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--seed':
        options.seed = Number(value);
        break;
      case '--runs':
        options.runs = Number(value);
        break;
      case '--hours':
        options.hours = Number(value);
        break;
      case '--capacity':
        options.capacities = list(value);
        break;
      case '--loads':
        options.loads = list(value);
        break;
      case '--handling':
        options.handling = list(value);
        break;
      case '--mix':
        options.mix = list(value) as [number, number, number];
        break;
      case '--skill-wait':
        options.skillWait = Number(value);
        break;
      case '--quick':
        Object.assign(options, { runs: 3, hours: 2, capacities: [5], loads: [0.9, 1.1] });
        continue;
      default:
        continue;
    }
    i++;
  }
  const numbers = [options.seed, options.runs, options.hours, ...options.capacities, ...options.loads, ...options.handling, ...options.mix, options.skillWait];
  if (numbers.some((n) => !Number.isFinite(n) || n < 0) || options.mix.length !== 3 || options.handling.length === 0) {
    throw new Error('usage: queue-order.ts [--seed N] [--runs N] [--hours H] [--capacity 1,5] [--loads 0.8,1] [--handling 30,60] [--mix 20,30,50]');
  }
  return options;
}

interface Arrival {
  id: number;
  at: number;
  priority: Priority;
  slaDueAt: number;
  /** Billing (team 1) or Tech (team 2). */
  topic: 1 | 2;
  german: boolean;
}

/** The arrival stream of one run: identical for both queue orders. */
function arrivals(seed: number, hours: number, perSecond: number, mix: [number, number, number]): Arrival[] {
  const next = seededRandom(seed);
  const side = seededRandom(seed ^ 0x5eed);
  const out: Arrival[] = [];
  const total = mix[0] + mix[1] + mix[2];
  let at = 0;
  for (;;) {
    at += Math.ceil((-Math.log(1 - next()) / perSecond) * 1000);
    if (at > hours * 3_600_000) return out;
    const roll = next() * total;
    const priority: Priority = roll < mix[0] ? 'high' : roll < mix[0] + mix[1] ? 'medium' : 'low';
    // Drawn for every arrival whatever the scenario, so every scenario replays the same stream; from
    // a generator of their own, so times and priorities are those of the stream without teams.
    const topic = side() < 0.5 ? 1 : 2;
    const german = side() < 0.25;
    out.push({ id: out.length + 1, at, priority, slaDueAt: slaDueAt(at, priority, DEFAULT_SLA), topic, german });
  }
}

interface Outcome {
  tickets: Record<Priority, number>;
  breached: Record<Priority, number>;
  /** Sum of closed_at − created_at, ms. */
  resolutionMs: number;
}

/** How tickets and agents are organised (§12): the teams and skills routing asks. */
interface Scenario {
  name: string;
  world: (agents: number) => TeamWorld;
  ticket: (arrival: Arrival) => Pick<TeamTicket, 'teamId' | 'skills'>;
}

const GERMAN = 1;
const oneTeam = (agents: number, german: (id: number) => boolean = () => false): TeamWorld => ({
  teams: new Map([[1, { id: 1, overflowTeamId: null, overflowAfterMs: null, queueOrder: null }]]),
  members: new Map(Array.from({ length: agents }, (_, i) => [i + 1, { teams: [1], skills: german(i + 1) ? [GERMAN] : [] }])),
});

function scenarios(skillWaitMs: number): Scenario[] {
  const germanSkill = (a: Arrival, after: number | null) => (a.german ? [{ skillId: GERMAN, optionalAfterMs: after }] : []);
  return [
    { name: 'shared', world: (n) => oneTeam(n), ticket: () => ({ teamId: 1, skills: [] }) },
    {
      name: 'teams',
      world: (n) => ({
        teams: new Map([1, 2].map((id) => [id, { id, overflowTeamId: null, overflowAfterMs: null, queueOrder: null }])),
        members: new Map(Array.from({ length: n }, (_, i) => [i + 1, { teams: [i < Math.ceil(n / 2) ? 1 : 2], skills: [] }])),
      }),
      ticket: (a) => ({ teamId: a.topic, skills: [] }),
    },
    { name: 'skills', world: (n) => oneTeam(n, (id) => id % 2 === 1), ticket: (a) => ({ teamId: 1, skills: germanSkill(a, null) }) },
    { name: 'skills+wait', world: (n) => oneTeam(n, (id) => id % 2 === 1), ticket: (a) => ({ teamId: 1, skills: germanSkill(a, skillWaitMs) }) },
  ];
}

/** Replays one arrival stream under one queue order and scenario; returns tickets and breaches per priority. */
function simulate(stream: readonly Arrival[], order: QueueOrder, handlingMs: readonly number[], capacity: number, scenario: Scenario = scenarios(0)[0]!): Outcome {
  const byId = new Map(stream.map((t) => [t.id, t]));
  const world = scenario.world(handlingMs.length);
  const teamTicket = (a: Arrival): TeamTicket => ({ id: a.id, createdAt: a.at, slaDueAt: a.slaDueAt, ...scenario.ticket(a) });
  const tickets = new Map(stream.map((a) => [a.id, teamTicket(a)]));
  let loads: AgentLoad[] = handlingMs.map((_, i) => ({ id: i + 1, presence: 'available', capacity, openCount: 0, lastAssignedAt: null }));
  const held = new Map<number, Set<number>>(loads.map((a) => [a.id, new Set<number>()]));
  const working = new Map<number, { ticketId: number; until: number } | null>(loads.map((a) => [a.id, null]));
  let queue: TeamTicket[] = [];
  const closedAt = new Map<number, number>();
  const byQueueOrder = compareInQueue(order);
  // The agent's own list: most urgent deadline first, as on its dashboard.
  const mostUrgent = (ids: Iterable<number>) => [...ids].map((id) => byId.get(id)!).sort((a, b) => a.slaDueAt - b.slaDueAt || a.at - b.at || a.id - b.id)[0];

  const startNext = (agentId: number, now: number) => {
    if (working.get(agentId)) return;
    const next = mostUrgent(held.get(agentId)!);
    working.set(agentId, next ? { ticketId: next.id, until: now + handlingMs[agentId - 1]! } : null);
  };
  const apply = (moves: readonly Move[], now: number) => {
    for (const move of moves) {
      if (move.from !== null) {
        held.get(move.from)!.delete(move.ticketId);
        // Taken away mid-work (R3): the donor drops it and the new holder starts over.
        if (working.get(move.from)?.ticketId === move.ticketId) {
          working.set(move.from, null);
          startNext(move.from, now);
        }
      } else {
        queue = queue.filter((q) => q.id !== move.ticketId);
      }
      if (move.to !== null) {
        held.get(move.to)!.add(move.ticketId);
        startNext(move.to, now);
      }
    }
  };
  // R2 with teams: the earliest waiting tickets (queue order) this agent may take, up to its room;
  // R3 when it took none: from an agent sharing a team, the newest ticket it may take.
  const pullAndBalance = (agentId: number, now: number) => {
    const rule = teamRule(world, now);
    const agent = loads.find((a) => a.id === agentId)!;
    if (spareCapacity(agent) === 0) return;
    const pull = planPull(loads, agentId, [...queue].sort(byQueueOrder), now, rule);
    loads = pull.agents;
    apply(pull.moves, now);
    if (pull.moves.length > 0) return;
    const donorId = chooseBalanceDonor(loads, agentId, 0, (a, b) => shareTeam(world, a, b));
    if (donorId === null) return;
    const newestFirst = [...held.get(donorId)!].map((id) => tickets.get(id)!).sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    const ticketId = balanceTicket(newestFirst, loads.find((a) => a.id === agentId)!, rule, world.members.get(agentId)?.teams ?? []);
    if (ticketId === null) return;
    const balance = planBalanceMove(loads, donorId, agentId, ticketId, now);
    loads = balance.agents;
    apply(balance.moves, now);
  };
  // A waiting ticket whose skill turned optional: every agent with room looks again (the routing-due
  // job). The rule judges skills at its `now`, so the ticket itself stays as it is.
  const widened = new Set<number>();
  const wideningOf = (t: TeamTicket) => (widened.has(t.id) ? null : nextWideningAt(t, world.teams, t.createdAt));
  const nextWidening = () => queue.reduce<number | null>((best, t) => {
    const at = wideningOf(t);
    return at === null || (best !== null && best <= at) ? best : at;
  }, null);

  let nextArrival = 0;
  while (nextArrival < stream.length || [...working.values()].some((w) => w !== null)) {
    const busy = [...working.entries()].filter((entry): entry is [number, { ticketId: number; until: number }] => entry[1] !== null);
    const nextDone = busy.reduce<[number, { ticketId: number; until: number }] | null>((best, entry) => (best === null || entry[1].until < best[1].until ? entry : best), null);
    const arrival = stream[nextArrival];
    const widening = nextWidening();
    const nextEvent = Math.min(nextDone?.[1].until ?? Infinity, arrival?.at ?? Infinity);
    if (widening !== null && widening <= nextEvent) {
      // Skills of these tickets stop being required now: agents with room may take them.
      for (const t of queue.filter((q) => wideningOf(q) === widening)) widened.add(t.id);
      for (const a of loads) pullAndBalance(a.id, widening);
      continue;
    }
    // At equal instants a close comes first: the freed capacity is there for the newcomer.
    if (nextDone && (!arrival || nextDone[1].until <= arrival.at)) {
      const [agentId, { ticketId, until: now }] = nextDone;
      closedAt.set(ticketId, now);
      held.get(agentId)!.delete(ticketId);
      working.set(agentId, null);
      loads = loads.map((a) => (a.id === agentId ? { ...a, openCount: a.openCount - 1 } : a));
      pullAndBalance(agentId, now);
      startNext(agentId, now);
      continue;
    }
    const ticket = arrival!;
    nextArrival++;
    const routed = tickets.get(ticket.id)!;
    // R1 with teams: the best agent with room that may take it (no waiting ticket has one: team-I3).
    const plan = planTeamIntake(loads, [routed], teamRule(world, ticket.at), ticket.at);
    const agentId = plan.agentIds[0] ?? null;
    if (agentId === null) {
      queue.push(routed);
    } else {
      loads = plan.agents;
      held.get(agentId)!.add(ticket.id);
      startNext(agentId, ticket.at);
    }
  }

  const outcome: Outcome = empty();
  for (const ticket of stream) {
    const closed = closedAt.get(ticket.id);
    if (closed === undefined) throw new Error(`ticket ${ticket.id} was never closed`);
    outcome.tickets[ticket.priority]++;
    outcome.resolutionMs += closed - ticket.at;
    if (isBreached({ slaDueAt: ticket.slaDueAt, closedAt: closed }, closed)) outcome.breached[ticket.priority]++;
  }
  return outcome;
}

function add(into: Outcome, from: Outcome): void {
  for (const p of PRIORITIES) {
    into.tickets[p] += from.tickets[p];
    into.breached[p] += from.breached[p];
  }
  into.resolutionMs += from.resolutionMs;
}

function empty(): Outcome {
  return { tickets: { high: 0, medium: 0, low: 0 }, breached: { high: 0, medium: 0, low: 0 }, resolutionMs: 0 };
}
const sum = (r: Record<Priority, number>) => r.high + r.medium + r.low;
const pct = (part: number, whole: number) => (whole === 0 ? '0.0%' : `${((100 * part) / whole).toFixed(1)}%`);

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const handlingMs = options.handling.map((s) => s * 1000);
  const throughput = options.handling.reduce((total, s) => total + 1 / s, 0);
  console.log(
    `Queue order simulation: ${options.runs} runs from seed ${options.seed}, ${options.hours} h of arrivals each; ` +
      `${options.handling.length} agents handling a ticket in ${options.handling.join('/')} s (team: ${(throughput * 60).toFixed(1)} tickets/min); ` +
      `SLA high ${DEFAULT_SLA.high} s, medium ${DEFAULT_SLA.medium} s, low ${DEFAULT_SLA.low} s; mix high/medium/low ${options.mix.join('/')} %.`,
  );
  console.log('Breaches (closed after sla_due_at), summed over the runs; `oldest` is the default and the baseline.\n');
  const header = ['capacity', 'load', 'tickets', 'oldest', 'deadline', 'change', 'oldest h/m/l', 'deadline h/m/l'];
  const rows: string[][] = [];
  for (const capacity of options.capacities) {
    for (const load of options.loads) {
      const totals: Record<QueueOrder, Outcome> = { oldest: empty(), deadline: empty() };
      for (let run = 0; run < options.runs; run++) {
        const stream = arrivals(options.seed + run, options.hours, load * throughput, options.mix);
        for (const order of ['oldest', 'deadline'] as const) add(totals[order], simulate(stream, order, handlingMs, capacity));
      }
      const tickets = sum(totals.oldest.tickets);
      const [o, d] = [sum(totals.oldest.breached), sum(totals.deadline.breached)];
      const split = (x: Outcome) => PRIORITIES.map((p) => `${x.breached[p]}`).join('/');
      rows.push([
        String(capacity),
        load.toFixed(2),
        String(tickets),
        `${o} (${pct(o, tickets)})`,
        `${d} (${pct(d, tickets)})`,
        o === 0 ? (d === 0 ? '=' : `+${d}`) : `${d - o >= 0 ? '+' : ''}${(((d - o) / o) * 100).toFixed(0)}%`,
        split(totals.oldest),
        split(totals.deadline),
      ]);
    }
  }
  printTable(header, rows);
  compareScenarios(options, handlingMs, throughput);
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** The second table: one shared queue (the baseline) against per-team queues and skills, same streams, `oldest`. */
function compareScenarios(options: Options, handlingMs: readonly number[], throughput: number): void {
  const all = scenarios(options.skillWait * 1000);
  console.log(
    `\nTeams and skills (§12), queue order oldest, same streams: half Billing, half Tech; a quarter need German. ` +
      `teams: agents 1-${Math.ceil(handlingMs.length / 2)} Billing, the others Tech; skills: German held by agents 1, 3, …; ` +
      `skills+wait: German optional after ${options.skillWait} s. Breaches and mean resolution; \`shared\` is the baseline.\n`,
  );
  const header = ['capacity', 'load', 'tickets', ...all.map((s) => s.name)];
  const rows: string[][] = [];
  for (const capacity of options.capacities) {
    for (const load of options.loads) {
      const totals = all.map(() => empty());
      for (let run = 0; run < options.runs; run++) {
        const stream = arrivals(options.seed + run, options.hours, load * throughput, options.mix);
        all.forEach((scenario, i) => add(totals[i]!, simulate(stream, 'oldest', handlingMs, capacity, scenario)));
      }
      const tickets = sum(totals[0]!.tickets);
      const cell = (x: Outcome) => `${sum(x.breached)} (${pct(sum(x.breached), tickets)}), ${(x.resolutionMs / Math.max(tickets, 1) / 1000).toFixed(0)} s`;
      rows.push([String(capacity), load.toFixed(2), String(tickets), ...totals.map(cell)]);
    }
  }
  printTable(header, rows);
}

main();
