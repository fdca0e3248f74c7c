/**
 * GET /api/v1/stats (§6, §8, §11 figures) as zod schemas, beside api-schemas.ts (same role:
 * validation, serialisation and the OpenAPI document from one source).
 */
import { z } from 'zod';
import { PRESENCES } from '../core/routing.js';
import { parseStatsWindow, STATS_WINDOWS } from '../services/stats.js';
import { parsed, teamFilter } from './api-schemas.js';

// ---------------------------------------------------------------- stats

export const StatsQuery = z.strictObject({
  // Empty is taken as absent (the dashboard's own default): listed, so the document refuses nothing the API takes.
  window: parsed((raw) => parseStatsWindow(raw), 'Choose 24h, 7d, 30d or all.', 'Tickets created in the last `24h`, `7d`, `30d`, or `all` (default; also when empty), any letter case', [...STATS_WINDOWS, '']).optional(),
  // The lists' filter, in their words (a name too long, or two teams): it said zod's own.
  team: teamFilter('Only this team’s tickets (§12; absent: every team)'),
});

const count = z.number().int();
const secondsOrNull = z.number().nullable();

const share = z.number().nullable().meta({ description: 'met / (met + breached), 0–1; null when none is decided' });
const Target = z.object({ met: count, breached: count, met_share: share });
const TargetWithPriorities = Target.extend({ by_priority: z.object({ high: Target, medium: Target, low: Target }) });
const Csat = z
  .object({ rated: count, good: count, score: z.number().nullable().meta({ description: 'good / rated, 0–1; null when none is rated' }) })
  .meta({ description: "Customer satisfaction (§13): the window's tickets rated by their customers, the good ones, and the share good" });
const Durations = z.object({ avg_seconds: secondsOrNull, p50_seconds: secondsOrNull, p90_seconds: secondsOrNull });

export const Stats = z
  .object({
    window: z.enum(STATS_WINDOWS),
    team: z.string().nullable().meta({ description: 'The team of `?team=`; null: every team' }),
    total: count,
    pending: count,
    open: count,
    closed: count,
    sla: z.object({
      breached: count,
      open_overdue: count,
      closed_late: count,
      breach_rate: z.number().meta({ description: 'breached / total, 0–1' }),
      by_priority: z.object({ high: count, medium: count, low: count }),
      by_metric: z
        .object({ resolution: count, first_response: count, next_reply: count })
        .meta({ description: 'Breaches per SLA target (§11): the breached count of each target in `targets`' }),
      targets: z
        .object({ resolution: TargetWithPriorities, first_response: TargetWithPriorities, next_reply: TargetWithPriorities })
        .meta({
          description:
            'Per target (§11): clocks that met it and that breached it, overall and per priority. A reply or close at or before the due instant meets a target (a ticket closed without a reply meets or breaches first response by its close); an open ticket counts as breached once the monitor recorded it',
        }),
    }),
    resolution: Durations,
    first_response: Durations.meta({ description: 'first_response_at − created_at of the tickets with a first public reply (§11)' }),
    csat: Csat,
    agents: z.array(
      z.object({
        username: z.string(),
        closed: count,
        open: count,
        avg_resolution_seconds: secondsOrNull,
        breached: count,
        presence: z.enum(PRESENCES),
        csat: Csat,
      }),
    ),
    teams: z.array(z.object({ name: z.string(), csat: Csat })).meta({ description: 'Customer satisfaction per team (§13); under `?team=`, that team only' }),
    deleted_teams: z
      .object({ csat: Csat })
      .nullable()
      .meta({ description: 'The ratings of tickets whose team has since been deleted, together (§13): with `teams` they add up to `csat`. Null when there are none, and under `?team=`' }),
  })
  .meta({ id: 'Stats' });
