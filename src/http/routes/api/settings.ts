import { actingOf } from '../../acting.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { DomainError, invalidInput } from '../../../core/errors.js';
import { checkSettingsPatch, type SettingsPatch as Patch, settingsJson } from '../../../core/settingsApi.js';
import { partlyTypedBody } from '../../api-body.js';
import { loadSettings } from '../../../repositories/settings.js';
import { updateSettings } from '../../../services/admin.js';
import type { ServiceContext } from '../../../services/context.js';
import { errorResponses } from '../../api-schemas.js';
import { Settings, SettingsPatch } from '../../api-schemas-settings.js';

const security = [{ bearerAuth: [] }];

/** The settings of the settings page (§11), for admins; behind requireBearer. */
export function settingsApiRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/settings',
    {
      schema: {
        tags: ['settings'],
        summary: 'Read the settings',
        description: 'Admins only. SLA targets per priority, the SLA calendar, pause and warnings, and routing: what the settings page shows.',
        security,
        response: { 200: Settings.describe('The settings'), ...errorResponses(401, 403) },
      },
      config: { apiRoles: ['admin'] },
    },
    async () => settingsJson(await loadSettings(ctx.handle.db)),
  );

  r.patch(
    '/settings',
    {
      schema: {
        tags: ['settings'],
        summary: 'Change some settings',
        description:
          'Admins only. The keys given replace the stored ones; the others stay. Applies as the settings page does: capacity and queue order at once (waiting tickets go to agents who now have room), SLA targets and the calendar to clocks started from now on.',
        security,
        body: SettingsPatch,
        response: { 200: Settings.describe('The settings after the change'), ...errorResponses(400, 401, 403) },
      },
      config: { apiRoles: ['admin'] },
      // A key of the wrong type is named beside every other key's problem (api-body.ts).
      attachValidation: true,
    },
    async (request) => {
      const { body, typeErrors } = partlyTypedBody(request);
      try {
        return settingsJson(await updateSettings(ctx, actingOf(request), (stored) => checkSettingsPatch(stored, body as Patch, typeErrors)));
      } catch (error) {
        // The fields are already the API's (`sla.high.resolution`); the message says nothing changed.
        if (error instanceof DomainError && error.code === 'invalid_input') throw invalidInput(error.fields, 'The settings are not valid: see fields. Nothing was changed.');
        throw error;
      }
    },
  );
}
