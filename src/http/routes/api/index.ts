/**
 * The JSON API (§8) as one encapsulated plugin under /api: its own body parsing (JSON only), its own
 * schema compilers (zod), bearer tokens instead of cookies, and its OpenAPI document and browser.
 * Nothing here leaks to the HTML pages, and the pages' form parsing and CSRF do not apply here.
 */
import fastifySwagger, { type SwaggerTransformObject } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import type { SchemaErrorDataVar } from 'fastify/types/schema.js';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { invalidInput } from '../../../core/errors.js';
import { plainTypeMessage } from '../../../core/fieldErrors.js';
import { jsonText, NOT_JSON, NOT_UTF8, protoKeyPaths } from '../../../core/jsonBody.js';
import type { ServiceContext } from '../../../services/context.js';
import type { TicketIntake } from '../../../services/intake.js';
import type { RouteLimits } from '../../app.js';
import type { InboundSetting } from '../../../services/inbound.js';
import { agentApiRoutes } from './agents.js';
import { calendarApiRoutes } from './calendars.js';
import { webhookApiRoutes } from './webhooks.js';
import { auditApiRoutes } from './audit.js';
import { teamApiRoutes } from './teams.js';
import { inboundApiRoutes } from './inbound.js';
import { messageApiRoutes } from './messages.js';
import { settingsApiRoutes } from './settings.js';
import { statsApiRoutes } from './stats.js';
import { forecastApiRoutes } from './forecast.js';
import { publicTicketApiRoutes, ticketApiRoutes } from './tickets.js';
import { refuseInboundTokens, requireBearer } from '../../api-auth.js';
import { NoBody, readsBody, withAddressRefusals, withBodyRefusals, withErrorHeaders, withTokenRefusals } from '../../api-schemas.js';
import { attachmentApiRoutes } from '../attachments.js';
import { notAllowedMessage } from '../../../core/methods.js';
import { sendError } from '../../errors.js';

type OpenApiDocument = ReturnType<SwaggerTransformObject>;

export interface ApiOptions {
  ctx: ServiceContext;
  limits: RouteLimits;
  /** Ticket creation, shared with the form (group commit). */
  intake: TicketIntake;
  /** The email channel's setting (POST /v1/inbound/email). */
  inbound: InboundSetting;
  /** WEBHOOKS_ALLOW_PRIVATE=on: endpoints may be on loopback and private addresses. */
  webhooksAllowPrivate: boolean;
  /** SESSION_IDLE_MINUTES: whether an account whose browser sessions an admin action ends is still present elsewhere. */
  idleMinutes: number;
}

/** Schema failures as the §8 400: one message per field, keyed by the field's path. */
function invalidFields(errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): Error {
  // A Map, not an object: a field named `constructor` or `toString` is found on every object's
  // prototype, so `fields[key] ??= …` named nothing for it (an empty 400).
  const fields = new Map<string, string>();
  const name = (key: string, message: string) => {
    if (!fields.has(key)) fields.set(key, message);
  };
  for (const error of errors) {
    const path = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
    // A strict object's unknown keys (zod lists them on the object): each is named.
    const unknown = error.keyword === 'unrecognized_keys' ? ((error.params as { keys?: string[] }).keys ?? []) : [];
    // A query string's unknown keys are its parameters (`?page=2`), a body's its fields.
    for (const key of unknown) name(path ? `${path}.${key}` : key, dataVar === 'querystring' ? 'Unknown parameter.' : 'Unknown field.');
    if (unknown.length === 0) name(path || dataVar, error.message === undefined ? 'Invalid value.' : plainTypeMessage(error.message));
  }
  return invalidInput(Object.fromEntries(fields), 'The request is not valid: see fields.');
}

/**
 * The zod registry holds every named schema twice (as request input and as response output); the
 * document keeps only those some operation refers to, directly or through another schema, in
 * name order.
 */
function withoutUnusedSchemas(document: OpenApiDocument): OpenApiDocument {
  const components = (document as { components?: { schemas?: Record<string, unknown> } }).components;
  const schemas = components?.schemas;
  if (!schemas) return document;
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    for (const match of JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      const name = match[1]!;
      if (!used.has(name)) {
        used.add(name);
        visit(schemas[name]);
      }
    }
  };
  visit({ ...document, components: { ...components, schemas: {} } });
  // In name order: the registry's order is the order modules happened to load, which a mere split
  // or a new import changed (a reader, and a diff of two versions, should see the same document).
  const kept = Object.fromEntries(
    Object.entries(schemas)
      .filter(([name]) => used.has(name))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return { ...document, components: { ...components, schemas: kept } } as OpenApiDocument;
}

// swagger-ui renders some of its layout with inline style attributes, which the app-wide CSP
// (style-src 'self') blocks. Its pages alone may use them; scripts stay 'self' only.
function relaxStylesForDocs(header: string): string {
  return header.replace(/style-src 'self'/, "style-src 'self' 'unsafe-inline'");
}

/**
 * swagger-ui's own colours put white on light green, blue and orange, and grey on grey: darker
 * shades that meet WCAG AA (4.5:1), the method badges keeping their hue.
 */
const DOCS_CSS = `
.swagger-ui .opblock.opblock-post .opblock-summary-method { background: #1d6b47; }
.swagger-ui .opblock.opblock-get .opblock-summary-method { background: #1f5f9e; }
.swagger-ui .opblock.opblock-put .opblock-summary-method { background: #8a4b00; }
.swagger-ui .opblock.opblock-patch .opblock-summary-method { background: #1d6b5e; }
.swagger-ui .opblock.opblock-delete .opblock-summary-method { background: #a4231d; }
.swagger-ui .info .title small, .swagger-ui .info .title small pre { background: #4b5563; color: #fff; }
.swagger-ui .json-schema-2020-12-expand-deep-button { color: #4b5563; }
.swagger-ui .info .url, .swagger-ui .info a { color: #1f5f9e; }
.swagger-ui .btn.authorize { color: #1d6b47; border-color: #1d6b47; }
.swagger-ui .btn.authorize svg { fill: #1d6b47; }
`;

const VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">';

/**
 * swagger-ui's page has no viewport meta, so a phone shows it as a shrunken desktop page: the
 * API's HTML answers (the docs page is its only one) get it after their charset.
 */
function withViewport(html: string): string {
  return html.includes('name="viewport"') ? html : html.replace(/<meta charset="UTF-8">/i, (charset) => `${charset}\n      ${VIEWPORT}`);
}

/** Registered by buildApp with `prefix: '/api'`. */
export async function apiPlugin(api: FastifyInstance, { ctx, limits, intake, inbound, webhooksAllowPrivate, idleMinutes }: ApiOptions): Promise<void> {
  api.setValidatorCompiler(validatorCompiler);
  // Error answers (errors.ts, the §8 shape) are written as built: zod would parse `fields`, a
  // record, by assigning each key, and a field named `__proto__` then sets a prototype instead of
  // a key, so the 400 refusing `{"__proto__": …}` or `?__proto__=` named nothing (`fields: {}`).
  api.setSerializerCompiler<Parameters<typeof serializerCompiler>[0]['schema']>((route) => (Number(route.httpStatus) >= 400 ? (data: unknown) => JSON.stringify(data) : serializerCompiler(route)));
  api.setSchemaErrorFormatter(invalidFields);

  // JSON only; an empty body (POST …/close without one) is no body rather than a parse error.
  // `__proto__` is valid JSON: parsed as an own key (JSON.parse never sets a prototype), then
  // refused here as an unknown field, before anything reads the body (src/core/jsonBody.ts).
  // `constructor` is an ordinary key, which each route's strict body refuses as unknown.
  api.removeAllContentTypeParsers();
  const parseJson = api.getDefaultJsonParser('ignore', 'ignore');
  // Read as bytes: a body that is not UTF-8 is refused naming `body`, never decoded with U+FFFD.
  api.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const text = jsonText(body as Buffer);
    if (text === null) return done(invalidInput({ body: NOT_UTF8 }, 'The request is not valid: see fields.'), undefined);
    if (text.trim() === '') return done(null, undefined);
    return parseJson(request, text, (error, parsed) => {
      // Named like every other 400 (§8: `fields` says what is wrong): Fastify's own refusal named no field.
      if (error) return done((error as { statusCode?: number }).statusCode === 400 ? invalidInput({ body: NOT_JSON }, 'The request is not valid: see fields.') : error, undefined);
      const proto = protoKeyPaths(parsed);
      if (proto.length > 0) return done(invalidInput(Object.fromEntries(proto.map((path) => [path, 'Unknown field.'])), 'The request is not valid: see fields.'), undefined);
      return done(null, parsed);
    });
  });

  // The API never reads the session cookie: drop every cookie before the app's session hook runs.
  api.addHook('onRequest', async (request) => {
    request.cookies = {};
  });
  api.decorateRequest('apiUser', null);

  await api.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Helpdesk API',
        version: '1',
        description:
          'Tickets, agents and figures of the help desk. Staff authenticate with `Authorization: Bearer <token>` ' +
          '(tokens are created by admins); creating a ticket is public and rate-limited. Lists page with an ' +
          'opaque `cursor`. Errors are `{"error": {"code", "message", "fields"}}`. ' +
          // Decided: one sentence rather than a `head` operation beside each `get` (it would double
          // the document and say nothing new); the export refuses HEAD (it would export for nothing).
          'Every GET operation also answers `HEAD` (the same status and headers, no body), except the CSV export `/api/v1/tickets/export` (405). ' +
          'Addresses take no trailing slash: `/api/v1/tickets/` is a 404.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token created by an admin' } } },
      tags: [
        { name: 'tickets', description: 'Create, list, read, close and assign tickets' },
        { name: 'messages', description: "A ticket's thread: replies to the customer and internal notes" },
        { name: 'agents', description: 'Staff and presence' },
        { name: 'stats', description: 'Dashboard figures' },
        { name: 'calendars', description: 'Business hours and holidays SLA clocks count with (the built-in `24/7` is always open)' },
        { name: 'settings', description: 'SLA targets, the SLA calendar and routing settings' },
        { name: 'inbound', description: 'The email channel: deliver received mail' },
        { name: 'webhooks', description: 'Endpoints events are POSTed to, signed per the Standard Webhooks spec, and their delivery logs' },
        { name: 'audit', description: 'Every admin action and sign-in: who, when, from where, and what changed' },
      ],
    },
    // Every POST, PUT, PATCH and DELETE documents what Fastify answers to its body (400, 413, 415),
    // every staff route what its token can cause (401, 403), and every route with a path parameter
    // the 400 of a broken %-escape in its address; a route that takes no body
    // (NoBody) documents none, rather than a required empty one.
    transform: (input) => {
      const { body, ...schema } = input.schema;
      const bodyRefusals = withBodyRefusals(input.route.method, input.schema.consumes, input.schema.response as Record<string, unknown> | undefined);
      const response = withAddressRefusals(input.url, withTokenRefusals(input.schema.security, bodyRefusals));
      return jsonSchemaTransform({ ...input, schema: { ...schema, ...(body === NoBody ? {} : { body }), response } });
    },
    transformObject: (document) => withErrorHeaders(withoutUnusedSchemas(jsonSchemaTransformObject(document))),
  });
  api.addHook('onSend', async (_request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    return type.startsWith('text/html') && typeof payload === 'string' ? withViewport(payload) : payload;
  });
  await api.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    indexPrefix: '/api',
    transformStaticCSP: relaxStylesForDocs,
    // BaseLayout: no top bar (its logo had no text and its URL box no label: axe critical). No deep
    // links: they put a link inside each operation's button (axe: nested interactive controls).
    uiConfig: { deepLinking: false, layout: 'BaseLayout' },
    theme: { title: 'Helpdesk API', css: [{ filename: 'helpdesk.css', content: DOCS_CSS }] },
  });
  api.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.header('cache-control', 'no-cache').send(api.swagger()));

  await api.register(
    async (v1) => {
      // No answer is kept by a cache (answers, errors alike): customers' names, addresses and
      // messages, a status token, a webhook's secret, live figures. A route's own header stays
      // (files: `private, no-store`).
      // A callback hook, not an async one: every API answer passes it (no promise per request).
      v1.addHook('onSend', (_request, reply, payload, done) => {
        if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
        done(null, payload);
      });
      // A route whose body Fastify reads but which takes none refuses keys like any other (NoBody).
      v1.addHook('onRoute', (route) => {
        if (readsBody(route.method) && route.schema && route.schema.body === undefined && route.schema.consumes === undefined) route.schema = { ...route.schema, body: NoBody };
      });
      // The export answers GET only (a HEAD would run it for nothing): a 405 naming GET, token or
      // not, like any method an address does not have. Without this route HEAD /tickets/{reference}
      // read `export` as a ticket reference and answered 404 "Ticket not found.".
      v1.head('/tickets/export', { schema: { hide: true } }, async (request, reply) => sendError(request, reply.header('allow', 'GET'), 405, 'method_not_allowed', notAllowedMessage('GET')));
      await v1.register(async (open) => {
        refuseInboundTokens(open, ctx);
        publicTicketApiRoutes(open, ctx, limits, intake);
      });
      await v1.register(async (staff) => {
        requireBearer(staff, ctx);
        ticketApiRoutes(staff, ctx);
        messageApiRoutes(staff, ctx);
        agentApiRoutes(staff, ctx, { idleMinutes });
        statsApiRoutes(staff, ctx);
        forecastApiRoutes(staff, ctx);
        calendarApiRoutes(staff, ctx);
        teamApiRoutes(staff, ctx);
        settingsApiRoutes(staff, ctx);
        inboundApiRoutes(staff, ctx, intake, inbound);
        webhookApiRoutes(staff, ctx, webhooksAllowPrivate);
        auditApiRoutes(staff, ctx);
        // Files of messages (§10.1): binary answers, documented here like every /api/v1 route.
        attachmentApiRoutes(staff, ctx);
      });
    },
    { prefix: '/v1' },
  );
}
