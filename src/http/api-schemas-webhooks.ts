/**
 * The webhooks API's shapes (§13 `/api/v1/webhooks`) as zod schemas, beside api-schemas.ts. The
 * bodies are checked by the core (parseEndpoint) in the service, so the API and the page refuse
 * the same endpoints with the same messages; the shapes below document them.
 */
import { z } from 'zod';
import { ALL_EVENTS, MAX_URL_LENGTH, WEBHOOK_EVENTS } from '../core/webhooks.js';
import { pageCursor, pageLimit, wholeList } from './api-schemas.js';

const Time = z.string().meta({ description: 'ISO 8601, UTC', example: '2026-12-04T11:00:00.000Z' });
const EVENTS_DOC = `Event names (${WEBHOOK_EVENTS.map((e) => `\`${e}\``).join(', ')}), or \`["${ALL_EVENTS}"]\` for every event, including those added later`;

export const WebhookEndpointSchema = z
  .object({
    id: z.number().int(),
    url: z.string().meta({ example: 'https://hooks.example.com/helpdesk' }),
    events: z.array(z.string()).meta({ description: EVENTS_DOC, example: ['ticket.created', 'ticket.closed'] }),
    active: z.boolean(),
    created_at: Time,
    failing_since: Time.nullable().meta({ description: 'When its current run of failed deliveries began; null while it answers' }),
    disabled_at: Time.nullable().meta({ description: 'When it was disabled after failing for 24 h; null otherwise' }),
  })
  .meta({ id: 'WebhookEndpoint', description: 'Where events are POSTed, signed per the Standard Webhooks spec' });
export type WebhookEndpointJson = z.infer<typeof WebhookEndpointSchema>;

export const WebhookEndpointCreated = WebhookEndpointSchema.extend({
  secret: z.string().meta({ description: 'The signing secret (`whsec_…`), shown only in this answer: keep it now', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
}).meta({ id: 'WebhookEndpointCreated' });

export const WebhookEndpointList = wholeList(WebhookEndpointSchema, 'WebhookEndpointList');

export const WebhookEndpointBody = z
  .strictObject({
    // Optional for zod only, so that a missing field gets the core's message (parseEndpoint); the document says required.
    url: z.unknown().optional().meta({ type: 'string', description: `http:// or https://, no user name or password, at most ${MAX_URL_LENGTH} characters; not a loopback or private address unless WEBHOOKS_ALLOW_PRIVATE=on`, example: 'https://hooks.example.com/helpdesk' }),
    // One name as text is read as a list of it (core/webhooks.ts parseEventFilter: the page's form sends one so), `"*"` too.
    events: z
      .unknown()
      .optional()
      .meta({
        anyOf: [
          { type: 'array', items: { type: 'string', enum: [...WEBHOOK_EVENTS, ALL_EVENTS] } },
          { type: 'string', enum: [...WEBHOOK_EVENTS, ALL_EVENTS], description: 'One event name, or `*`: the same as a list of it' },
        ],
        description: EVENTS_DOC,
        example: ['ticket.created', 'ticket.closed'],
      }),
    active: z.boolean({ error: 'Active: true or false.' }).optional().meta({ description: 'Default true; a JSON boolean (the page\'s checkbox values such as `"on"` are for the form)' }),
  })
  .meta({ description: 'Refused (400, nothing written) with a message per field: a URL with credentials, another scheme, too long, or on a private address; an unknown event.', required: ['url', 'events'] });

export const WebhookParams = z.object({ id: z.string().meta({ description: 'The endpoint id', example: '3' }) });
export const WebhookDeliveryParams = WebhookParams.extend({ delivery: z.string().meta({ description: 'The delivery id', example: '41' }) });

export const WebhookDeliverySchema = z
  .object({
    id: z.number().int(),
    event: z.string().meta({ example: 'ticket.created' }),
    webhook_id: z.string().meta({ description: 'The `webhook-id` header: the same on every try' }),
    ticket: z.string().nullable().meta({ example: 'HD-42' }),
    status: z.enum(['pending', 'sending', 'delivered', 'failed']),
    attempts: z.number().int(),
    next_attempt_at: Time.nullable().meta({ description: 'When it is tried next (pending only)' }),
    created_at: Time,
    delivered_at: Time.nullable(),
    response_status: z.number().int().nullable().meta({ description: 'HTTP status of the last answer; null when there was none' }),
    last_error: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDeliveryJson = z.infer<typeof WebhookDeliverySchema>;

export const WebhookDeliveryList = z
  .object({
    items: z.array(WebhookDeliverySchema),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page' }),
    waiting: z
      .number()
      .int()
      .meta({ description: "Events waiting in the endpoint's lane, not tried yet (each is listed once tried); counted up to 1,000" }),
  })
  .meta({ id: 'WebhookDeliveryList' });

export const WebhookDeliveryQuery = z.strictObject({ limit: pageLimit('Deliveries'), cursor: pageCursor });

export const WebhookRetried = z.object({ retried: z.boolean().meta({ description: 'false: it was already waiting or being sent' }) }).meta({ id: 'WebhookRetried' });
