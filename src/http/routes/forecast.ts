/**
 * /adminapp/forecast/ (SPEC §14): a GET form (the forecast only reads) that runs when it carries a
 * window, with the same service as POST /api/v1/forecast. Admins only.
 */
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../core/errors.js';
import { listTeams } from '../../repositories/teams.js';
import type { ServiceContext } from '../../services/context.js';
import { type ForecastAnswer, forecastStaffing } from '../../services/forecast.js';
import type { FormErrors, FormValues } from '../../views/components.js';
import { FORECAST_FIELDS, ForecastPage } from '../../views/forecast.js';
import type { Flash } from '../../views/layout.js';
import { renderPage } from '../../views/render.js';
import { takeFlash } from '../flash.js';
import { keptValues, sendHtml } from '../forms.js';
import { adminOnly } from '../session.js';

const DAY = 86_400_000;
const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function forecastRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.register(async (admin) => {
    adminOnly(admin);

    admin.get<{ Querystring: Record<string, unknown> }>('/adminapp/forecast/', async (request, reply) => {
      const query = request.query;
      const now = ctx.clock.now();
      // Any of the form's fields asks for a forecast: one without a single From is refused naming it, not shown as the blank form.
      const asked = FORECAST_FIELDS.some((name) => query[name] !== undefined);
      const values: FormValues = asked
        ? keptValues(query, FORECAST_FIELDS)
        : { from: dateOf(now - 30 * DAY), to: dateOf(now), team: '', k_min: '1', k_max: '10', target_percent: '5', capacity: '', seed: '1' };
      let errors: FormErrors = {};
      let answer: ForecastAnswer | null = null;
      // Another forecast running in this process: the form comes back as typed, saying so (409).
      let busy: Flash | null = null;
      if (asked) {
        try {
          answer = await forecastStaffing(ctx, query);
        } catch (error) {
          if (!(error instanceof DomainError && (error.code === 'invalid_input' || error.code === 'conflict'))) throw error;
          if (error.code === 'conflict') busy = { kind: 'error', message: error.message };
          else errors = error.fields;
        }
      }
      const teams = (await listTeams(ctx.handle.db)).map((t) => ({ id: t.id, name: t.name }));
      const page = ForecastPage({ viewer: request.viewer!, csrf: reply.generateCsrf(), flash: busy ?? takeFlash(request, reply), values, errors, teams, answer });
      return sendHtml(reply, renderPage(page), busy ? 409 : Object.keys(errors).length > 0 ? 400 : 200);
    });
  });
}
