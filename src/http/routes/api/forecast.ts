import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ServiceContext } from '../../../services/context.js';
import { forecastStaffing } from '../../../services/forecast.js';
import { partlyTypedBody } from '../../api-body.js';
import { errorResponses } from '../../api-schemas.js';
import { Forecast, ForecastBody, forecastJson } from '../../api-schemas-forecast.js';

/** The staffing forecast (§14, admins); behind requireBearer. Reads only: nothing is written. */
export function forecastApiRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/forecast',
    {
      schema: {
        tags: ['stats'],
        summary: 'Staffing forecast: how many agents keep breaches at or under a target',
        description:
          'Admins only. Replays the tickets that arrived in the window through the routing rules with K agents on duty by the SLA calendar, each ticket held for a time drawn from the observed assignment → close times of its priority, in a worker thread. 409 while another forecast runs on the server.',
        security: [{ bearerAuth: [] }],
        body: ForecastBody,
        response: { 200: Forecast, ...errorResponses(400, 401, 403, 409) },
      },
      config: { apiRoles: ['admin'] },
      // A field of the wrong type is named beside every other field's problem (api-body.ts).
      attachValidation: true,
    },
    async (request) => {
      const { body, typeErrors } = partlyTypedBody(request);
      return forecastJson(await forecastStaffing(ctx, body, typeErrors));
    },
  );
}
