import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ServiceContext } from '../../../services/context.js';
import { computeStats, DEFAULT_STATS_WINDOW } from '../../../services/stats.js';
import { teamFilterOf } from '../../../services/teams.js';
import { errorResponses } from '../../api-schemas.js';
import { Stats, StatsQuery } from '../../api-schemas-stats.js';

/** The §6 figures (admins); behind requireBearer. */
export function statsApiRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/stats',
    {
      schema: {
        tags: ['stats'],
        summary: 'Dashboard figures for a time window',
        description: 'Admins only. The figures of the admin dashboard (§6) for tickets created in the window, of every team or of `team` (§12).',
        security: [{ bearerAuth: [] }],
        querystring: StatsQuery,
        response: { 200: Stats.describe('Counts, SLA, resolution times and per-agent figures'), ...errorResponses(400, 401, 403) },
      },
      config: { apiRoles: ['admin'] },
    },
    async (request) => computeStats(ctx.handle.db, { window: request.query.window ?? DEFAULT_STATS_WINDOW, now: ctx.clock.now(), team: await teamFilterOf(ctx.handle.db, request.query.team) }),
  );
}
