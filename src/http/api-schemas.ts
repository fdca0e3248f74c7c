/**
 * The JSON API's shapes (§8) as zod schemas: Fastify validates requests and serialises responses
 * with them, the handlers' types are inferred from them, and the OpenAPI document is generated
 * from them. One source for all three.
 *
 * Rules the forms share (lengths, email, priority in any case) stay in src/core and are applied by
 * the same services; the schemas here check types and document those rules.
 *
 * Request bodies are strict objects: a key the route does not know is a 400 naming it ("Unknown
 * field."), never silently dropped, so a misspelt `yearly` or `close` cannot pass unnoticed.
 *
 * This file holds what every feature's schemas share (errors, refusals, lists and pages); the
 * features' own shapes are in api-schemas-<feature>.ts beside it.
 */
import { z } from 'zod';
import { DomainError } from '../core/errors.js';

/** Most tickets one list page may hold. */
export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

export const IsoTime = z.iso.datetime().meta({ description: 'ISO 8601, UTC', example: '2026-11-27T13:00:00.000Z' });

/**
 * A text query parameter turned into a value by `parse` (the core's case-insensitive parsers);
 * `message` is the error when it returns null.
 *
 * `values`, for a parameter taking one of a fixed set: the document lists them as its `enum`, in
 * lower case, the way clients should send them, with `x-any-case: true` (and the description)
 * saying the API also takes them in any letter case and with spaces around (`?state=Pending`, as
 * a form or a person types it). An enum of the lower-case values alone would say `Pending` is
 * refused; a plain string said nothing of which values there are (a generated client could not
 * offer them).
 */
export function parsed<T>(parse: (raw: string) => T | null, message: string, description: string, values?: readonly string[]) {
  return z
    .string({ error: message })
    .transform((raw, ctx) => {
      const value = parse(raw);
      if (value === null) {
        ctx.issues.push({ code: 'custom', message, input: raw });
        return z.NEVER;
      }
      return value;
    })
    .meta({ description, ...(values === undefined ? {} : { enum: [...values], 'x-any-case': true }) });
}

/**
 * An object schema that also runs a core validator (src/core), even when some field has the wrong
 * type, so that one answer lists every bad field. The service applies the same function again; it
 * stays the one definition of the rules.
 */
export function withCoreRules<S extends z.ZodObject>(schema: S, validate: (raw: Record<string, unknown>) => unknown): S {
  return schema.superRefine(
    (value, ctx) => {
      try {
        validate(value as Record<string, unknown>);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        for (const [field, message] of Object.entries(error.fields)) ctx.addIssue({ code: 'custom', path: [field], message, input: value });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
  ) as S;
}

export const required = (label: string) => (issue: { input: unknown }) => (issue.input === undefined ? `${label} is required.` : `${label} must be a string.`);

// ---------------------------------------------------------------- errors

export const ApiError = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable machine-readable code', example: 'invalid_input' }),
      message: z.string().meta({ description: 'For people; may change' }),
      fields: z.record(z.string(), z.string()).optional().meta({ description: 'A message per bad field (400 only)' }),
    }),
  })
  .meta({ id: 'Error', description: 'Every error has this shape' });

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad input: `fields` says what is wrong with each field',
  401: 'No valid bearer token (missing, unknown, revoked, or its account is deactivated)',
  403: 'The token is valid but may not do this: its role may not, or it is an inbound-mail token (which may only deliver mail)',
  404: 'No such ticket (or not visible to this token)',
  409: 'Conflict with the ticket\'s state (for example, it is closed)',
  413: 'Request body too large',
  415: 'Body is not JSON',
  429: 'Rate limited: wait and retry',
};

/** One response header of the document (OpenAPI Header Object). */
interface HeaderDoc {
  description: string;
  required: true;
  schema: { type: 'string' } | { type: 'integer'; minimum: number };
}

const RETRY_AFTER: HeaderDoc = { description: 'Whole seconds to wait before trying again (RFC 9110), at least 1', required: true, schema: { type: 'integer', minimum: 1 } };

/**
 * Headers every answer of an error status carries, whichever route sends it: a 401's challenge
 * (api-auth.ts bearerUser, RFC 6750) and the wait of a 429 (rateLimits.ts) or of the mail route's
 * 503. Added to the document by `withErrorHeaders`; conformance.test.ts checks real answers carry them.
 */
const ERROR_HEADERS: Record<string, Record<string, HeaderDoc>> = {
  401: {
    'WWW-Authenticate': { description: '`Bearer` when no token was sent; `Bearer error="invalid_token"` for a token that is not valid (RFC 6750)', required: true, schema: { type: 'string' } },
  },
  429: { 'Retry-After': RETRY_AFTER },
  503: { 'Retry-After': RETRY_AFTER },
};

/** The document with `ERROR_HEADERS` on each response of their statuses (zod schemas cannot carry response headers). */
export function withErrorHeaders<D>(document: D): D {
  const paths = (document as { paths?: Record<string, Record<string, { responses?: Record<string, object> }>> }).paths ?? {};
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      for (const [status, headers] of Object.entries(ERROR_HEADERS)) {
        const response = operation.responses?.[status];
        if (response) operation.responses![status] = { ...response, headers };
      }
    }
  }
  return document;
}

/** Response schemas for the given error statuses (documentation and serialisation). */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, ApiError.describe(ERROR_TEXT[status] ?? 'Error')]));
}

/** Methods whose body Fastify reads before the route's code runs: each may refuse that body. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether Fastify reads the body of a route with these methods (POST, PUT, PATCH, DELETE). */
export function readsBody(method: string | readonly string[]): boolean {
  return (typeof method === 'string' ? [method] : method).some((m) => BODY_METHODS.has(m.toUpperCase()));
}

/**
 * The body of a route that takes none: nothing, or `{}`. A key is refused as an unknown field, as
 * on every route (strict bodies): `{"notify": false}` on a close would otherwise pass as if it kept
 * the customer's email from going.
 */
export const NoBody = z.strictObject({}).nullish().meta({ description: 'None: send no body (or `{}`)' });

/**
 * A route's responses with the refusals of its body added: 415 (not JSON), 413 (too large) and, on
 * a JSON route (no other `consumes`), 400 (broken JSON). Fastify answers them on every POST, PUT,
 * PATCH and DELETE before the route runs, whether or not the route takes a body, so the document
 * (one source with the routes) lists them for all; a status a route documents keeps its own text.
 */
export function withBodyRefusals(method: string | readonly string[], consumes: readonly string[] | undefined, response: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!readsBody(method)) return response;
  return withMissing(response, consumes === undefined ? [400, 413, 415] : [413, 415]);
}

/**
 * A staff route's responses with the refusals of its token added: 401 (none, unknown, revoked) and
 * 403 (another role's, or an inbound-mail token, refused on every route but the mail route).
 * requireBearer answers them before any route runs, so the document lists them on every route
 * behind the bearer scheme, also those no role is refused on; a status a route documents keeps
 * its own text.
 */
export function withTokenRefusals(security: unknown, response: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return security === undefined ? response : withMissing(response, [401, 403]);
}

/**
 * A route's responses with the 400 of an address holding a broken %-escape (`/tickets/%E0%A4%A`)
 * added when its path has a parameter: the router refuses it before the route runs (app.ts,
 * `fields.path`), whatever the route does with its parameters.
 */
export function withAddressRefusals(url: string, response: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return url.includes(':') ? withMissing(response, [400]) : response;
}

/** `response` with the error answers of `statuses` it does not document yet (its own text kept). */
function withMissing(response: Record<string, unknown> | undefined, statuses: number[]): Record<string, unknown> | undefined {
  if (response === undefined) return response;
  return { ...errorResponses(...statuses.filter((status) => !(status in response))), ...response };
}

// ---------------------------------------------------------------- lists and pages

/**
 * A list that always comes whole (teams, topics, skills, webhook endpoints: a handful each), in the
 * shape of every API list so one client loop reads them all: `next_cursor` is always null.
 */
export function wholeList<S extends z.ZodType>(item: S, id: string) {
  return z
    .object({
      items: z.array(item),
      next_cursor: z.null().meta({ description: 'Always null: the whole list comes in one answer (the shape of every list, whose next_cursor may continue it)' }),
    })
    .meta({ id });
}

/** The answer of a wholeList route. */
export function whole<T>(items: T[]): { items: T[]; next_cursor: null } {
  return { items, next_cursor: null };
}

/**
 * `limit` of a list (§8): 1–200, default 50, in decimal digits only (Number() also read `0x10`,
 * `1e1`, ` 5` and `0b11` as page sizes).
 */
export function pageLimit(what: string) {
  const wholeNumber = `Enter a whole number from 1 to ${MAX_PAGE}.`;
  return z
    .string({ error: wholeNumber })
    .regex(/^[0-9]{1,9}$/, wholeNumber)
    .transform(Number)
    .pipe(z.number().min(1, wholeNumber).max(MAX_PAGE, `At most ${MAX_PAGE} per page.`))
    .default(DEFAULT_PAGE)
    .meta({ description: `${what} per page, 1–${MAX_PAGE} (default ${DEFAULT_PAGE})` });
}

export const pageCursor = z.string({ error: 'Give one cursor.' }).max(100, 'This cursor is not valid.').optional().meta({ description: 'next_cursor of the previous page' });

/** `?team=`: a team's name in any letter case, or its id (checked by services/teams.ts teamFilterOf). */
export const teamFilter = (description: string) =>
  z.string({ error: 'Give one team.' }).max(64, 'Team names have at most 64 characters.').optional().meta({ description: `${description}: its name in any letter case, or its id; a team nobody has is a 400 naming \`team\`` });

/** A route that answers 204: nothing in the body. */
export const Deleted = z.null().describe('Deleted; no body');
