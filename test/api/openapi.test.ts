import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/db.js';
import { routeCollector } from '../support/snapshot.js';

/** The §8 table: every route the document must describe. */
const SPEC_ROUTES: [method: string, path: string, staffOnly: boolean][] = [
  ['post', '/api/v1/tickets', false],
  ['get', '/api/v1/tickets', true],
  ['get', '/api/v1/tickets/export', true],
  ['get', '/api/v1/tickets/{reference}', true],
  ['post', '/api/v1/tickets/{reference}/close', true],
  ['post', '/api/v1/tickets/{reference}/assign', true],
  ['get', '/api/v1/agents', true],
  ['put', '/api/v1/agents/me/presence', true],
  ['get', '/api/v1/stats', true],
  ['post', '/api/v1/forecast', true],
  ['get', '/api/v1/tickets/{reference}/messages', true],
  ['post', '/api/v1/tickets/{reference}/messages', true],
  ['post', '/api/v1/inbound/email', true],
  ['get', '/api/v1/calendars', true],
  ['post', '/api/v1/calendars', true],
  ['get', '/api/v1/calendars/{id}', true],
  ['put', '/api/v1/calendars/{id}', true],
  ['delete', '/api/v1/calendars/{id}', true],
  ['get', '/api/v1/settings', true],
  ['patch', '/api/v1/settings', true],
  ['get', '/api/v1/webhooks', true],
  ['post', '/api/v1/webhooks', true],
  ['get', '/api/v1/webhooks/{id}', true],
  ['put', '/api/v1/webhooks/{id}', true],
  ['delete', '/api/v1/webhooks/{id}', true],
  ['get', '/api/v1/webhooks/{id}/deliveries', true],
  ['post', '/api/v1/webhooks/{id}/deliveries/{delivery}/retry', true],
  ['get', '/api/v1/teams', true],
  ['post', '/api/v1/teams', true],
  ['put', '/api/v1/teams/{id}', true],
  ['delete', '/api/v1/teams/{id}', true],
  ['get', '/api/v1/topics', true],
  ['post', '/api/v1/topics', true],
  ['put', '/api/v1/topics/{id}', true],
  ['delete', '/api/v1/topics/{id}', true],
  ['get', '/api/v1/skills', true],
  ['post', '/api/v1/skills', true],
  ['put', '/api/v1/skills/{id}', true],
  ['delete', '/api/v1/skills/{id}', true],
  ['put', '/api/v1/agents/{username}/teams', true],
  ['get', '/api/v1/audit', true],
  ['post', '/api/v1/agents/{username}/two-factor/reset', true],
  ['post', '/api/v1/webhooks/{id}/secret', true],
  ['get', '/api/v1/attachments/{id}', true],
];

for (const dialect of DIALECTS) {
  describe(`OpenAPI document and docs (${dialect})`, () => {
    let t: TestApp;
    let document: any;
    const collector = routeCollector();
    beforeAll(async () => {
      t = await startTestApp(dialect, { onRoute: collector.collect });
      const response = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('application/json');
      document = response.json();
    });
    afterAll(() => t.close());

    it('is a valid OpenAPI 3 document', async () => {
      expect(document.openapi).toMatch(/^3\./);
      await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeTruthy();
    });

    it('lists its schemas in name order, whatever order their modules load in', () => {
      // The zod registry keeps the order schemas were defined in, which is the order their modules
      // happened to be imported: splitting a file moved them about without changing one of them.
      const names = Object.keys(document.components.schemas);
      expect(names).toEqual([...names].sort());
    });

    it('documents the headers its refusals carry: WWW-Authenticate on every 401, Retry-After on every 429 and 503', () => {
      const expected: Record<string, string> = { '401': 'WWW-Authenticate', '429': 'Retry-After', '503': 'Retry-After' };
      const seen = new Set<string>();
      for (const [path, operations] of Object.entries<Record<string, any>>(document.paths)) {
        for (const [method, operation] of Object.entries<any>(operations)) {
          for (const [status, header] of Object.entries(expected)) {
            const response = operation.responses[status];
            if (!response) continue;
            seen.add(status);
            expect(response.headers?.[header], `${method} ${path} ${status}`).toMatchObject({ required: true, description: expect.any(String), schema: expect.any(Object) });
          }
        }
      }
      expect([...seen].sort()).toEqual(['401', '429', '503']);
    });

    it('documents each value from a fixed set as an enum of its lower-case values, saying any letter case is taken', () => {
      // A query parameter's description is on the parameter, a body field's on its schema.
      const parameter = (path: string, name: string) => {
        const { schema, description } = document.paths[path].get.parameters.find((p: { name: string }) => p.name === name);
        return { ...schema, description };
      };
      const expected: [schema: any, values: string[]][] = [
        [parameter('/api/v1/tickets', 'status'), ['open', 'closed']],
        [parameter('/api/v1/tickets', 'state'), ['pending', 'open', 'closed']],
        [parameter('/api/v1/tickets', 'priority'), ['high', 'medium', 'low']],
        [parameter('/api/v1/tickets', 'breached'), ['true', 'false']],
        [parameter('/api/v1/tickets/export', 'priority'), ['high', 'medium', 'low']],
        // Empty is the default window, as absent.
        [parameter('/api/v1/stats', 'window'), ['24h', '7d', '30d', 'all', '']],
        [document.components.schemas.PresenceRequestInput.properties.status, ['offline', 'available', 'away']],
      ];
      for (const [schema, values] of expected) {
        expect(schema, values.join()).toMatchObject({ type: 'string', enum: values, 'x-any-case': true, description: expect.stringMatching(/any letter case/) });
      }
      const action = parameter('/api/v1/audit', 'action');
      expect(action).toMatchObject({ 'x-any-case': true, description: expect.stringMatching(/any letter case/) });
      expect(action.enum).toEqual(expect.arrayContaining(['user', 'user.create', 'sign_in']));
    });

    it('says what makes a list’s 400: contradicting status and state, unknown names, an unknown audit action, dates the wrong way round', () => {
      const parameter = (path: string, name: string) => document.paths[path].get.parameters.find((p: { name: string }) => p.name === name).description;
      for (const path of ['/api/v1/tickets', '/api/v1/tickets/export']) {
        expect(parameter(path, 'state'), path).toMatch(/`status=closed&state=pending`.*400 naming `state`/);
        expect(parameter(path, 'agent'), path).toMatch(/400 naming `agent`/);
        expect(parameter(path, 'team'), path).toMatch(/400 naming `team`/);
        expect(document.paths[path].get.description, path).toMatch(/A 400 names each bad parameter/);
      }
      expect(parameter('/api/v1/audit', 'action')).toMatch(/anything else is a 400 naming `action`/);
      expect(parameter('/api/v1/audit', 'to')).toMatch(/before `from` is a 400 naming `to`/);
      expect(document.paths['/api/v1/audit'].get.description).toMatch(/A 400 names each bad parameter/);
    });

    it('lists exactly the §8 routes, staff ones behind the bearer scheme', () => {
      const listed = Object.entries<Record<string, unknown>>(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`));
      expect(listed.sort()).toEqual(SPEC_ROUTES.map(([method, path]) => `${method} ${path}`).sort());
      expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
      for (const [method, path, staffOnly] of SPEC_ROUTES) {
        const operation = document.paths[path][method];
        expect(operation.security, `${method} ${path}`).toEqual(staffOnly ? [{ bearerAuth: [] }] : undefined);
        expect(operation.responses['200'] ?? operation.responses['201'] ?? operation.responses['204'], `${method} ${path}`).toBeDefined();
        if (staffOnly) expect(operation.responses['401'], `${method} ${path}`).toBeDefined();
        // An inbound-mail token is refused (403) on every route but the mail route, the public one included.
        expect(operation.responses['403'], `${method} ${path}`).toBeDefined();
      }
    });

    it('documents every /api/v1 route the app registers (§8), and only those', () => {
      // Fastify's `:id` is OpenAPI's `{id}`; a route added anywhere in the app under /api/v1 must be in the document.
      const registered = collector
        .routes()
        .filter((route) => route.url.startsWith('/api/v1/'))
        .map((route) => `${route.method.toLowerCase()} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
      const documented = Object.entries<Record<string, unknown>>(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`));
      expect(registered.length).toBeGreaterThan(40);
      expect(documented.sort()).toEqual([...new Set(registered)].sort());
    });

    it('answers every list as {items, next_cursor}: no GET answers a bare array', () => {
      const resolve = (schema: any) => (schema?.$ref ? document.components.schemas[schema.$ref.split('/').pop()] : schema);
      const lists: string[] = [];
      for (const [path, operations] of Object.entries<any>(document.paths)) {
        const answer = resolve(operations.get?.responses['200']?.content?.['application/json']?.schema);
        if (!answer) continue;
        expect(answer.type, `GET ${path}`).not.toBe('array');
        if (answer.properties?.items?.type !== 'array') continue;
        lists.push(path);
        expect(answer.required, `GET ${path}`).toEqual(expect.arrayContaining(['items', 'next_cursor']));
      }
      expect(lists).toEqual(expect.arrayContaining(['/api/v1/teams', '/api/v1/topics', '/api/v1/skills', '/api/v1/webhooks', '/api/v1/tickets', '/api/v1/calendars']));
    });

    it('documents 409 on deleting a team or skill in use, as on a calendar in use', () => {
      for (const path of ['/api/v1/teams/{id}', '/api/v1/skills/{id}', '/api/v1/calendars/{id}']) {
        expect(document.paths[path].delete.responses['409'].description, path).toMatch(/in use/);
      }
    });

    it('describes the CSV export: text/csv, the list\'s filters without its pages, admins only', () => {
      const operation = document.paths['/api/v1/tickets/export'].get;
      expect(operation.security).toEqual([{ bearerAuth: [] }]);
      expect(Object.keys(operation.responses['200'].content)).toEqual(['text/csv']);
      expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '403']);
      const list = document.paths['/api/v1/tickets'].get.parameters.map((p: { name: string }) => p.name);
      const exported = operation.parameters.map((p: { name: string }) => p.name);
      expect(exported.sort()).toEqual(list.filter((name: string) => name !== 'limit' && name !== 'cursor').sort());
      expect(operation.description).toMatch(/byte order mark/);
    });

    it('describes a file of a message: binary, for a bearer token, 404 when not visible', () => {
      const operation = document.paths['/api/v1/attachments/{id}'].get;
      expect(operation.security).toEqual([{ bearerAuth: [] }]);
      expect(operation.parameters.map((p: { name: string; in: string }) => `${p.in} ${p.name}`)).toEqual(['path id']);
      expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '403', '404']);
      expect(operation.responses['200'].content['*/*'].schema).toMatchObject({ type: 'string', format: 'binary' });
    });

    it('describes the shapes of §8', () => {
      const schemas = document.components.schemas;
      expect(Object.keys(schemas.Ticket.properties).sort()).toEqual(
        [
          'reference',
          'title',
          'description',
          'priority',
          'status',
          'state',
          'customer',
          'agent',
          'created_at',
          'assigned_at',
          'closed_at',
          'sla_due_at',
          'sla_breached',
          'sla_paused',
          'first_response_due_at',
          'next_reply_due_at',
          'status_url',
          'waiting_on',
          'first_response_at',
          'team',
          'topic',
          'skills',
          'follow_up_of',
          'csat',
        ].sort(),
      );
      // The rating (§13) is staff's: on the ticket, the list and one ticket, not on the customer's create answer.
      const csat = schemas.Ticket.properties.csat;
      const rating = (csat.anyOf ?? csat.oneOf).find((choice: { type?: string }) => choice.type === 'object');
      expect(Object.keys(rating.properties).sort()).toEqual(['comment', 'rated_at', 'score']);
      expect(rating.properties.score.enum).toEqual(['good', 'bad']);
      expect(schemas.TicketWithEvents.properties).toHaveProperty('csat');
      expect(schemas.CreatedTicket.properties).not.toHaveProperty('csat');
      expect(schemas.TicketWithEvents.properties.events.items.$ref).toBe('#/components/schemas/TicketEvent');
      expect(Object.keys(schemas.TicketEvent.properties).sort()).toEqual(['actor', 'at', 'from_agent', 'metric', 'to_agent', 'type']);
      expect(schemas.CreatedTicket.properties).toHaveProperty('token');
      // A topic by name or by id, the id as a JSON integer too, or null for none (README: Teams, topics and skills).
      const newTicket = schemas[document.paths['/api/v1/tickets'].post.requestBody.content['application/json'].schema.$ref.split('/').pop()];
      expect(newTicket.properties.topic.anyOf.map((choice: { type: string }) => choice.type).sort()).toEqual(['integer', 'null', 'string']);
      expect(Object.keys(schemas.Agent.properties).sort()).toEqual(['capacity', 'display_name', 'last_assigned_at', 'open_count', 'presence', 'role', 'username']);
      expect(Object.keys(schemas.Forecast.properties).sort()).toEqual(['backtest', 'capacity', 'caveat', 'closed_tickets', 'elapsed_ms', 'needed_agents', 'rows', 'seed', 'target_percent', 'team', 'tickets', 'window']);
      expect(Object.keys(schemas.Stats.properties).sort()).toEqual(['agents', 'closed', 'csat', 'deleted_teams', 'first_response', 'open', 'pending', 'resolution', 'sla', 'team', 'teams', 'total', 'window']);
      expect(Object.keys(schemas.Stats.properties.csat.properties).sort()).toEqual(['good', 'rated', 'score']);
      expect(Object.keys(schemas.Stats.properties.agents.items.properties)).toContain('csat');
      expect(Object.keys(schemas.Stats.properties.sla.properties).sort()).toEqual(['breach_rate', 'breached', 'by_metric', 'by_priority', 'closed_late', 'open_overdue', 'targets']);
      expect(Object.keys(schemas.Stats.properties.sla.properties.targets.properties).sort()).toEqual(['first_response', 'next_reply', 'resolution']);
      expect(Object.keys(schemas.Stats.properties.sla.properties.targets.properties.first_response.properties).sort()).toEqual(['breached', 'by_priority', 'met', 'met_share']);
      expect(Object.keys(schemas.Stats.properties.first_response.properties).sort()).toEqual(['avg_seconds', 'p50_seconds', 'p90_seconds']);
      expect(schemas.Error.properties.error.required).toEqual(['code', 'message']);
      expect(Object.keys(schemas.Message.properties).sort()).toEqual(['attachments', 'author', 'automatic', 'body', 'channel', 'created_at', 'id', 'kind'].sort());
      expect(Object.keys(schemas.Message.properties.author.properties).sort()).toEqual(['name', 'type', 'username']);
      expect(schemas.Message.properties.attachments.items.$ref).toBe('#/components/schemas/Attachment');
      expect(Object.keys(schemas.Attachment.properties).sort()).toEqual(['content_type', 'filename', 'id', 'size', 'url']);
      expect(schemas.MessageList.properties.items.items.$ref).toBe('#/components/schemas/Message');
      const thread = document.paths['/api/v1/tickets/{reference}/messages'];
      expect(thread.get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['cursor', 'limit', 'reference']);
      const post = thread.post;
      const request = schemas[post.requestBody.content['application/json'].schema.$ref.split('/').pop()];
      expect(Object.keys(request.properties).sort()).toEqual(['attachments', 'body', 'close', 'kind', 'seen']);
      expect(request.required.sort()).toEqual(['body', 'kind']);
      // A note's `seen` is not read (core/conversation.ts seenOffThread): only a reply's that is no message of the ticket is a 400.
      expect(request.properties.seen.description).toContain("A reply's `seen` that is no message of this ticket");
      expect(request.properties.seen.description).toContain('a note ignores it');
      expect(request.properties.attachments.description).toContain('Not accepted');
      expect(Object.keys(post.responses).sort()).toEqual(['201', '400', '401', '403', '404', '409', '413', '415']);
      expect(post.responses['409'].content['application/json'].schema.$ref).toBe('#/components/schemas/MessageConflict');
      expect(schemas.MessageConflict.properties.error.properties.code.enum).toEqual(['stale', 'conflict']);
      expect(schemas.MessageConflict.properties.error.properties).toHaveProperty('newest_message_id');
      const list = document.paths['/api/v1/tickets'].get.parameters.map((p: { name: string }) => p.name);
      expect(list.sort()).toEqual(['agent', 'breached', 'cursor', 'limit', 'priority', 'q', 'state', 'status', 'team']);
    });

    it('names the setting that ends presence set through the API (API_PRESENCE_MINUTES, not the session limit)', () => {
      const description: string = document.paths['/api/v1/agents/me/presence'].put.description;
      expect(description).toContain('API_PRESENCE_MINUTES');
      expect(description).not.toContain('SESSION_IDLE_MINUTES without an API call');
    });

    it('describes the inbound mail route (§10): tag inbound, a raw message in, the result out', () => {
      const operation = document.paths['/api/v1/inbound/email'].post;
      expect(operation.tags).toEqual(['inbound']);
      expect(document.tags.map((tag: { name: string }) => tag.name)).toContain('inbound');
      expect(Object.keys(operation.requestBody.content)).toEqual(['message/rfc822']);
      expect(Object.keys(operation.responses).sort()).toEqual(['200', '401', '403', '413', '415', '503']);
      const answer = document.components.schemas.InboundResult;
      expect(operation.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/InboundResult');
      expect(Object.keys(answer.properties).sort()).toEqual(['reason', 'result', 'ticket']);
      expect(answer.properties.result.enum).toEqual(['ignored', 'duplicate', 'bounce', 'appended', 'follow_up', 'created', 'rejected']);
    });

    it('describes the calendars (§11): the shape, the request with its documented hours, 24/7 as built in, 409 for a calendar in use', () => {
      const schemas = document.components.schemas;
      expect(Object.keys(schemas.Calendar.properties).sort()).toEqual(['holidays', 'hours', 'id', 'name', 'time_zone']);
      expect(Object.keys(schemas.Calendar.properties.hours.properties)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
      expect(Object.keys(schemas.Calendar.properties.holidays.items.properties).sort()).toEqual(['from', 'to', 'yearly']);
      expect(schemas.Calendar.description).toContain('24/7');
      expect(schemas.CalendarList.properties.items.items.$ref).toBe('#/components/schemas/Calendar');
      const create = document.paths['/api/v1/calendars'].post;
      expect(create.tags).toEqual(['calendars']);
      const request = schemas[create.requestBody.content['application/json'].schema.$ref.split('/').pop()];
      expect(request.required.sort()).toEqual(['hours', 'name', 'time_zone']);
      expect(Object.keys(request.properties.hours.properties)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
      expect(request.properties.hours.properties.mon.items.prefixItems).toHaveLength(2);
      expect(Object.keys(document.paths['/api/v1/calendars/{id}'].delete.responses).sort()).toEqual(['204', '400', '401', '403', '404', '409', '413', '415']);
      expect(document.paths['/api/v1/calendars/{id}'].get.responses['404'].description).toBe('No such calendar');
    });

    it('describes a webhook endpoint request as the API reads it: url and events required, events a list or one name as text ("*")', () => {
      for (const method of ['post', 'put']) {
        const path = method === 'post' ? '/api/v1/webhooks' : '/api/v1/webhooks/{id}';
        const schema = document.paths[path][method].requestBody.content['application/json'].schema;
        const request = schema.$ref ? document.components.schemas[schema.$ref.split('/').pop()] : schema;
        // Old: neither was required, though a body without them is a 400 naming them.
        expect(request.required?.sort(), `${method} ${path}`).toEqual(['events', 'url']);
        const events = request.properties.events;
        expect(events.anyOf.map((choice: { type: string }) => choice.type).sort()).toEqual(['array', 'string']);
        expect(events.anyOf.find((choice: { type: string }) => choice.type === 'string').enum).toContain('*');
      }
    });

    it('describes the settings routes (§11): the whole settings out, a patch of any of their keys in', () => {
      const schemas = document.components.schemas;
      const keys = ['calendar', 'default_capacity', 'email_priority', 'pause_while_waiting', 'queue_order', 'release_on_logout', 'sla', 'warn_at_percent'];
      const read = document.paths['/api/v1/settings'].get;
      expect(read.tags).toEqual(['settings']);
      expect(read.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/Settings');
      expect(Object.keys(schemas.Settings.properties).sort()).toEqual(keys);
      expect(Object.keys(schemas.SlaTargets.properties).sort()).toEqual(['first_response', 'next_reply', 'resolution']);
      const change = document.paths['/api/v1/settings'].patch;
      expect(Object.keys(change.responses).sort()).toEqual(['200', '400', '401', '403', '413', '415']);
      const patch = schemas[change.requestBody.content['application/json'].schema.$ref.split('/').pop()];
      expect(Object.keys(patch.properties).sort()).toEqual(keys);
      expect(patch.required ?? []).toEqual([]);
      expect(patch.additionalProperties).toBe(false);
      expect(patch.properties.sla.additionalProperties).toBe(false);
    });

    it('serves the browsable docs from this server, with scripts from self only', async () => {
      const page = await t.app.inject({ method: 'GET', url: '/api/docs' });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('/api/docs/static/swagger-ui-bundle.js');
      // A phone shows it at its own width, not as a shrunken desktop page.
      expect(page.body).toMatch(/<meta charset="UTF-8">\s*<meta name="viewport" content="width=device-width, initial-scale=1">/);
      expect(page.body).toContain('<title>Helpdesk API</title>');
      expect((await t.app.inject({ method: 'GET', url: '/api/docs/' })).body).toContain('name="viewport"');
      expect(page.body).not.toMatch(/https?:\/\//);
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      const bundle = await t.app.inject({ method: 'GET', url: '/api/docs/static/swagger-ui-bundle.js' });
      expect(bundle.statusCode).toBe(200);
      expect(bundle.headers['content-type']).toContain('javascript');
      // The relaxation is for the docs alone.
      for (const url of ['/api/v1/tickets', '/tickets/create/']) {
        const other = await t.app.inject({ method: 'GET', url });
        expect(String(other.headers['content-security-policy'])).toContain("style-src 'self';");
      }
    });
  });
}
