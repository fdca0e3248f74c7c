/**
 * POST /api/v1/forecast (SPEC §14) as zod schemas, beside api-schemas.ts. The body's fields are
 * read by the core (src/core/forecastInput.ts), which names each bad one; here they are only typed
 * loosely (a number or its text) so that its messages, not a type error, answer a bad value.
 */
import { z } from 'zod';
import { type ForecastFigures, holdingTimesCaveat } from '../core/forecast.js';
import type { ForecastAnswer } from '../services/forecast.js';

const numberOrText = z.union([z.number(), z.string()]);

export const ForecastBody = z
  .object({
    from: z.string().meta({ description: 'Start of the window: `2026-11-01` (UTC midnight) or an ISO date-time (UTC when it names no offset)' }),
    to: z.string().meta({ description: 'End of the window (exclusive; a date alone means the end of that day); at most 366 days after `from`' }),
    team: numberOrText.nullable().optional().meta({ description: "A team's id: replay only its tickets, with its members' presence for the backtest" }),
    k_min: numberOrText.optional().meta({ description: 'Fewest agents to try (1–500, default 1)' }),
    k_max: numberOrText.optional().meta({ description: 'Most agents to try (1–500, at most 50 values; default k_min + 9)' }),
    target_percent: numberOrText.optional().meta({ description: 'Breach target in % (default 5): the answer is the fewest agents at or under it' }),
    capacity: numberOrText.nullable().optional().meta({ description: 'Tickets each simulated agent holds at once (default: the default capacity setting)' }),
    seed: numberOrText.optional().meta({ description: 'Seed of the holding-time draws (default 1): the same seed gives the same answer' }),
  })
  .strict();

const rate = z.number().meta({ description: '0–1' });
const Figures = z.object({
  tickets: z.number().int(),
  breach_rate: rate,
  breach_rate_by_priority: z.object({ high: rate.nullable(), medium: rate.nullable(), low: rate.nullable() }),
  wait_p50_seconds: z.number().nullable().meta({ description: 'Creation → first assignment; null when that share never got an agent' }),
  wait_p90_seconds: z.number().nullable(),
});
const Predicted = Figures.extend({
  utilisation: z.number().nullable().meta({ description: 'Ticket time held by agents on duty over the capacity on duty in the window (0–1)' }),
  unserved: z.number().int().meta({ description: 'Tickets that never got an agent in the replay' }),
});

export const Forecast = z
  .object({
    window: z.object({ from: z.string(), to: z.string() }),
    team: z.number().int().nullable(),
    capacity: z.number().int(),
    target_percent: z.number(),
    seed: z.number().int(),
    tickets: z.number().int().meta({ description: 'Tickets that arrived in the window and were replayed' }),
    closed_tickets: z.number().int().meta({ description: 'The closed tickets of the window whose holding times (assignment → close) the replay draws from' }),
    caveat: z.string().nullable().meta({ description: 'A warning to read with the figures (holding times learnt from fewer than 30 closed tickets); null when none' }),
    rows: z.array(Predicted.extend({ agents: z.number().int() })),
    needed_agents: z.number().int().nullable().meta({ description: 'The fewest agents of the range keeping breaches at or under the target; null when none does' }),
    backtest: z
      .object({ predicted: Predicted, actual: Figures.extend({ agents_seen: z.number().int() }) })
      .nullable()
      .meta({ description: 'The staffing really on duty (presence history) replayed, beside what really happened; null when no presence was recorded' }),
    elapsed_ms: z.number().int(),
  })
  .meta({ id: 'Forecast', description: 'SPEC §14: per number of agents, the predicted breaches, waits and utilisation' });

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.round(ms / 100) / 10);

function figuresJson(f: Omit<ForecastFigures, 'utilisation' | 'unserved'>) {
  return {
    tickets: f.tickets,
    breach_rate: f.breachRate,
    breach_rate_by_priority: f.breachRateByPriority,
    wait_p50_seconds: seconds(f.waitP50Ms),
    wait_p90_seconds: seconds(f.waitP90Ms),
  };
}

const predictedJson = (f: ForecastFigures) => ({ ...figuresJson(f), utilisation: f.utilisation, unserved: f.unserved });

export function forecastJson(answer: ForecastAnswer): z.infer<typeof Forecast> {
  const { request, result } = answer;
  return {
    window: { from: new Date(request.from).toISOString(), to: new Date(request.to).toISOString() },
    team: request.teamId,
    capacity: request.capacity,
    target_percent: request.targetPercent,
    seed: request.seed,
    tickets: answer.tickets,
    closed_tickets: answer.closedTickets,
    caveat: holdingTimesCaveat(answer.closedTickets),
    rows: result.rows.map((r) => ({ agents: r.agents, ...predictedJson(r) })),
    needed_agents: result.neededAgents,
    backtest: result.backtest && { predicted: predictedJson(result.backtest.predicted), actual: { ...figuresJson(result.backtest.actual), agents_seen: result.backtest.actual.agentsSeen } },
    elapsed_ms: answer.elapsedMs,
  };
}
