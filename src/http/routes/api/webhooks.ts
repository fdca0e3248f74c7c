/**
 * Webhook endpoints through the API (§13): list, create (the answer carries the secret, once),
 * read, replace, a new secret (carried once), delete, the delivery log and its retry. Admins only; behind requireBearer.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { notFound } from '../../../core/errors.js';
import { referenceOf } from '../../../core/tickets.js';
import { ALL_EVENTS, eventsOfFilter } from '../../../core/webhooks.js';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../../../db/schema.js';
import { deliveriesOf } from '../../../repositories/webhookDeliveries.js';
import { findEndpoint, listEndpoints } from '../../../repositories/webhooks.js';
import { waitingInLane } from '../../../repositories/webhookLanes.js';
import type { ServiceContext } from '../../../services/context.js';
import { createEndpoint, removeEndpoint, retryWebhookDelivery, rotateEndpointSecret, saveEndpoint, webhookIdOf } from '../../../services/webhookEndpoints.js';
import { ApiError, errorResponses, Deleted, whole } from '../../api-schemas.js';
import {
  WebhookDeliveryList,
  WebhookDeliveryParams,
  WebhookDeliveryQuery,
  type WebhookDeliveryJson,
  WebhookEndpointBody,
  WebhookEndpointCreated,
  type WebhookEndpointJson,
  WebhookEndpointList,
  WebhookEndpointSchema,
  WebhookParams,
  WebhookRetried,
} from '../../api-schemas-webhooks.js';
import { decodeCursor, iso, pageOf } from '../../api-shapes.js';
import { actingOf } from '../../acting.js';
import { partlyTypedBody } from '../../api-body.js';

const security = [{ bearerAuth: [] }];
const config = { apiRoles: ['admin'] as const };
const tags = ['webhooks'];
const missing = { 404: ApiError.describe('No such endpoint (or delivery)') };

export function endpointJson(row: WebhookEndpointRow): WebhookEndpointJson {
  return {
    id: row.id,
    url: row.url,
    events: row.events === ALL_EVENTS ? [ALL_EVENTS] : eventsOfFilter(row.events),
    active: row.active === 1,
    created_at: iso(row.created_at),
    failing_since: iso(row.failing_since),
    disabled_at: iso(row.disabled_at),
  };
}

export function deliveryJson(row: WebhookDeliveryRow): WebhookDeliveryJson {
  return {
    id: row.id,
    event: row.event,
    webhook_id: row.message_id,
    ticket: row.ticket_id === null ? null : referenceOf(row.ticket_id),
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    created_at: iso(row.created_at),
    delivered_at: iso(row.delivered_at),
    response_status: row.response_status,
    last_error: row.last_error,
  };
}

export function webhookApiRoutes(app: FastifyInstance, ctx: ServiceContext, allowPrivate: boolean): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = ctx.handle.db;
  const endpointOf = async (raw: string) => {
    const endpoint = await findEndpoint(db, webhookIdOf(raw));
    if (!endpoint) throw notFound('Webhook endpoint');
    return endpoint;
  };

  r.get(
    '/webhooks',
    { schema: { tags, summary: 'List webhook endpoints', description: 'Admins only. Every endpoint, oldest first; secrets are never listed.', security, response: { 200: WebhookEndpointList, ...errorResponses(401, 403) } }, config },
    async () => whole((await listEndpoints(db)).map(endpointJson)),
  );

  r.post(
    '/webhooks',
    {
      schema: {
        tags,
        summary: 'Register a webhook endpoint',
        description: 'Admins only. The answer carries the signing secret, which is never shown again. Refused (400, nothing written) with a message per field.',
        security,
        body: WebhookEndpointBody,
        response: { 201: WebhookEndpointCreated.describe('The endpoint, with its secret'), ...errorResponses(400, 401, 403) },
      },
      config,
      attachValidation: true,
    },
    async (request, reply) => {
      const { body, typeErrors } = partlyTypedBody(request);
      const row = await createEndpoint(ctx, actingOf(request), body, allowPrivate, typeErrors);
      return reply.status(201).send({ ...endpointJson(row), secret: row.secret });
    },
  );

  r.get(
    '/webhooks/:id',
    { schema: { tags, summary: 'A webhook endpoint', description: 'Admins only.', security, params: WebhookParams, response: { 200: WebhookEndpointSchema, ...errorResponses(401, 403), ...missing } }, config },
    async (request) => endpointJson(await endpointOf(request.params.id)),
  );

  r.put(
    '/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Replace a webhook endpoint',
        description: 'Admins only. URL, events and `active`, checked as for registering; the secret stays. Turning an endpoint on again forgets its failures.',
        security,
        params: WebhookParams,
        body: WebhookEndpointBody,
        response: { 200: WebhookEndpointSchema, ...errorResponses(400, 401, 403), ...missing },
      },
      config,
      attachValidation: true,
    },
    async (request) => {
      const { body, typeErrors } = partlyTypedBody(request);
      return endpointJson(await saveEndpoint(ctx, actingOf(request), webhookIdOf(request.params.id), body, allowPrivate, typeErrors));
    },
  );

  r.post(
    '/webhooks/:id/secret',
    {
      schema: {
        tags,
        summary: 'Give a webhook endpoint a new signing secret',
        description: 'Admins only. The old secret stops signing at once; the answer carries the new one, which is never shown again.',
        security,
        params: WebhookParams,
        response: { 200: WebhookEndpointCreated.describe('The endpoint, with its new secret'), ...errorResponses(401, 403), ...missing },
      },
      config,
    },
    async (request) => {
      const row = await rotateEndpointSecret(ctx, actingOf(request), webhookIdOf(request.params.id));
      return { ...endpointJson(row), secret: row.secret };
    },
  );

  r.delete(
    '/webhooks/:id',
    { schema: { tags, summary: 'Delete a webhook endpoint', description: 'Admins only. Its delivery log goes with it.', security, params: WebhookParams, response: { 204: Deleted, ...errorResponses(401, 403), ...missing } }, config },
    async (request, reply) => {
      await removeEndpoint(ctx, actingOf(request), webhookIdOf(request.params.id));
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/webhooks/:id/deliveries',
    {
      schema: { tags, summary: "An endpoint's delivery log", description: "Admins only. Newest first, with the status of the last answer; `waiting` counts the events not tried yet.", security, params: WebhookParams, querystring: WebhookDeliveryQuery, response: { 200: WebhookDeliveryList, ...errorResponses(400, 401, 403), ...missing } },
      config,
    },
    async (request) => {
      const endpoint = await endpointOf(request.params.id);
      const { limit, cursor } = request.query;
      const rows = await deliveriesOf(db, endpoint.id, { beforeId: cursor === undefined ? undefined : decodeCursor(cursor), limit: limit + 1 });
      return { ...pageOf(rows, limit, deliveryJson), waiting: await waitingInLane(ctx.handle, endpoint.id) };
    },
  );

  r.post(
    '/webhooks/:id/deliveries/:delivery/retry',
    {
      schema: { tags, summary: 'Send a delivery again', description: 'Admins only. A failed or delivered delivery goes out again now, with the same `webhook-id` and body.', security, params: WebhookDeliveryParams, response: { 200: WebhookRetried, ...errorResponses(401, 403), ...missing } },
      config,
    },
    async (request) => ({ retried: (await retryWebhookDelivery(ctx, actingOf(request), webhookIdOf(request.params.id), webhookIdOf(request.params.delivery, 'Delivery'))).retried }),
  );
}
