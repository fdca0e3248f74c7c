/**
 * Calendars through the API (§11): list, create, read, replace, delete. Admins only; behind
 * requireBearer. The built-in `24/7` is not stored and not listed. The same rules as the page:
 * parseCalendar checks the body, names are unique in any letter case (400 on `name`), a calendar
 * in use cannot be deleted (409).
 */
import { actingOf } from '../../acting.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { checkCalendar } from '../../../core/calendar.js';
import { partlyTypedBody } from '../../api-body.js';
import { notFound } from '../../../core/errors.js';
import { calendarPage, findCalendar } from '../../../repositories/calendars.js';
import { calendarIdOf, removeCalendar, saveCalendar } from '../../../services/calendars.js';
import type { ServiceContext } from '../../../services/context.js';
import { ApiError, errorResponses, Deleted } from '../../api-schemas.js';
import { CalendarBody, CalendarList, CalendarListQuery, CalendarParams, CalendarSchema } from '../../api-schemas-calendars.js';
import { calendarApiJson, decodeCursor, pageOf } from '../../api-shapes.js';

const security = [{ bearerAuth: [] }];
const config = { apiRoles: ['admin'] as const };
const tags = ['calendars'];
const missing = { 404: ApiError.describe('No such calendar') };

/**
 * A calendar body as far as it reads, with the schema's type errors beside the rules' (api-body.ts).
 * checkCalendar reads the whole body, not the rest without the refused fields: it takes any JSON
 * and judges each field alone, while a week left without a refused day would read as never open.
 */
function checkedBody(request: FastifyRequest) {
  const { typeErrors } = partlyTypedBody(request);
  return checkCalendar(request.body).with(typeErrors);
}

export function calendarApiRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = ctx.handle.db;

  r.get(
    '/calendars',
    {
      schema: {
        tags,
        summary: 'List calendars',
        description: 'Admins only. The stored calendars in the order they were created. The built-in `24/7` (always open) is not listed.',
        security,
        querystring: CalendarListQuery,
        response: { 200: CalendarList.describe('One page of calendars'), ...errorResponses(400, 401, 403) },
      },
      config,
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const rows = await calendarPage(db, { afterId: cursor === undefined ? undefined : decodeCursor(cursor), limit: limit + 1 });
      return pageOf(rows, limit, calendarApiJson);
    },
  );

  r.post(
    '/calendars',
    {
      schema: {
        tags,
        summary: 'Create a calendar',
        description: 'Admins only. Refused (400, nothing written) with a message per field: an unknown zone, a time such as `25:00`, an empty or overlapping interval, no open hour in the week, a holiday that ends before it starts, a name in use in any letter case.',
        security,
        body: CalendarBody,
        response: { 201: CalendarSchema.describe('The calendar created'), ...errorResponses(400, 401, 403) },
      },
      config,
      attachValidation: true,
    },
    async (request, reply) => reply.status(201).send(calendarApiJson(await saveCalendar(ctx, null, checkedBody(request), actingOf(request)))),
  );

  r.get(
    '/calendars/:id',
    {
      schema: { tags, summary: 'A calendar', description: 'Admins only.', security, params: CalendarParams, response: { 200: CalendarSchema, ...errorResponses(401, 403), ...missing } },
      config,
    },
    async (request) => {
      const calendar = await findCalendar(db, calendarIdOf(request.params.id));
      if (!calendar) throw notFound('Calendar');
      return calendarApiJson(calendar);
    },
  );

  r.put(
    '/calendars/:id',
    {
      schema: {
        tags,
        summary: 'Replace a calendar',
        description:
          'Admins only. The whole calendar, checked as for creating one. A changed calendar applies to SLA clocks started after the change; ' +
          'tickets already counting keep the hours they started with.',
        security,
        params: CalendarParams,
        body: CalendarBody,
        response: { 200: CalendarSchema.describe('The calendar as saved'), ...errorResponses(400, 401, 403), ...missing },
      },
      config,
      attachValidation: true,
    },
    async (request) => calendarApiJson(await saveCalendar(ctx, calendarIdOf(request.params.id), checkedBody(request), actingOf(request))),
  );

  r.delete(
    '/calendars/:id',
    {
      schema: {
        tags,
        summary: 'Delete a calendar',
        description: 'Admins only. Refused (409, nothing deleted) while the calendar is in use, such as the SLA calendar of the settings. Tickets whose clocks count with it keep counting as they started.',
        security,
        params: CalendarParams,
        response: { 204: Deleted, ...errorResponses(401, 403), ...missing, 409: ApiError.describe('The calendar is in use: the message says where') },
      },
      config,
    },
    async (request, reply) => {
      if ((await removeCalendar(ctx, calendarIdOf(request.params.id), actingOf(request))) === null) throw notFound('Calendar');
      return reply.status(204).send(null);
    },
  );
}
