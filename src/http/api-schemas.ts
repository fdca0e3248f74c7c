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
 */
import { z } from 'zod';
import { CSAT_SCORES } from '../core/csat.js';
import { MESSAGE_KINDS, STAFF_BODY_MAX, STAFF_MESSAGE_KINDS, validateStaffMessage } from '../core/conversation.js';
import { PRESENCES, type Presence } from '../core/routing.js';
import { DomainError } from '../core/errors.js';
import { EVENT_TYPES, parsePriority, parseState, parseStatus, PRIORITIES, STATES, STATUSES, validateNewTicket } from '../core/tickets.js';
import { ROLES } from '../core/users.js';
import type { MessageChannel } from '../db/schema.js';

/** Most tickets one list page may hold. */
export const MAX_PAGE = 200;
export const DEFAULT_PAGE = 50;

const IsoTime = z.iso.datetime().meta({ description: 'ISO 8601, UTC', example: '2026-11-27T13:00:00.000Z' });

/**
 * A text query parameter turned into a value by `parse` (the core's case-insensitive parsers);
 * `message` is the error when it returns null.
 */
export function parsed<T>(parse: (raw: string) => T | null, message: string, description: string) {
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
    .meta({ description });
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

// ---------------------------------------------------------------- tickets

export const TicketEvent = z
  .object({
    type: z.enum(EVENT_TYPES),
    at: IsoTime,
    from_agent: z.string().nullable().meta({ description: 'Username the ticket left (null: the queue)' }),
    to_agent: z.string().nullable().meta({ description: 'Username the ticket went to (null: the queue)' }),
    actor: z.string().nullable().meta({ description: 'Staff username who caused it; null for the customer or the system' }),
    metric: z
      .enum(['resolution', 'first_response', 'next_reply'])
      .optional()
      .meta({ description: 'Only on `sla_breached`: the SLA target that was breached (§11)' }),
  })
  .meta({ id: 'TicketEvent' });

const ticketFields = {
  reference: z.string().meta({ example: 'HD-42' }),
  title: z.string(),
  description: z.string(),
  priority: z.enum(PRIORITIES),
  status: z.enum(STATUSES),
  state: z.enum(STATES).meta({ description: 'pending: open without an agent; open: open with an agent; closed' }),
  customer: z.object({ name: z.string(), email: z.string() }),
  agent: z.string().nullable().meta({ description: 'Username of the agent holding it, or null' }),
  created_at: IsoTime,
  assigned_at: IsoTime.nullable(),
  closed_at: IsoTime.nullable(),
  sla_due_at: IsoTime.nullable().meta({ description: 'When the resolution target is due (§4, §11: counted in the SLA calendar’s business time); null while the clock is paused, and when the calendar holds no due instant within ten years' }),
  sla_breached: z.boolean().meta({ description: 'Open past sla_due_at, or closed after it' }),
  sla_paused: z.boolean().meta({ description: 'The resolution clock is paused while the ticket waits on the customer (setting pause_while_waiting)' }),
  first_response_due_at: IsoTime.nullable().meta({ description: 'When the first public reply is due; null without a first-response target, and when the calendar holds no due instant within ten years' }),
  next_reply_due_at: IsoTime.nullable().meta({ description: 'When the answer to the customer’s latest message is due; null when no next-reply clock runs, and when the calendar holds no due instant within ten years' }),
  status_url: z.string().meta({ description: "The customer's status page" }),
  waiting_on: z
    .enum(['agent', 'customer'])
    .nullable()
    .meta({ description: 'Whose turn it is: `agent` after creation and after every customer message, `customer` after a public reply; null once closed' }),
  first_response_at: IsoTime.nullable().meta({ description: 'When staff first replied publicly; null before' }),
  follow_up_of: z.string().nullable().meta({ description: 'Reference of the closed ticket this one follows up (the customer wrote to it again), or null', example: 'HD-41' }),
  team: z.string().nullable().meta({ description: 'The team whose members may take it (§12); null if that team was deleted', example: 'Support' }),
  topic: z.string().nullable().meta({ description: 'The topic it was created for; null if that topic was deleted', example: 'General' }),
  skills: z
    .array(z.object({ name: z.string(), optional_after_minutes: z.number().int().nullable() }))
    .meta({ description: 'The skills an agent needs to be given it, as copied from its topic at creation; a skill with optional_after_minutes is no longer needed once the ticket has waited that long' }),
};

/**
 * What staff read beyond the customer's own answer: the customer's rating (§13), null while the
 * ticket is unrated. Not on CreatedTicket: that answers the customer, and a new ticket is unrated.
 */
const staffTicketFields = {
  ...ticketFields,
  csat: z
    .object({
      score: z.enum(CSAT_SCORES),
      comment: z.string().nullable().meta({ description: "The customer's comment, or null when they left none" }),
      rated_at: IsoTime.nullable().meta({ description: 'When the rating was given or last changed (null only for a rating stored without its time, which Helpdesk never writes)' }),
    })
    .nullable()
    .meta({ description: "The customer's satisfaction rating of the closed ticket (§13; changeable for 7 days after the close), or null while unrated" }),
};

export const Ticket = z.object(staffTicketFields).meta({ id: 'Ticket' });
export const TicketWithEvents = z
  .object({
    ...staffTicketFields,
    cc: z
      .array(z.string())
      .meta({ description: 'The people the customer copied on their mail (§10 Cc, lower-case addresses, at most 10), in the order they were added: copied on replies and on the closed email', example: ['colleague@customer.example'] }),
    events: z.array(TicketEvent).meta({ description: 'Oldest first' }),
  })
  .meta({ id: 'TicketWithEvents' });
export const CreatedTicket = z
  .object({ ...ticketFields, token: z.string().meta({ description: "The customer's secret key to the status page (also in status_url)" }) })
  .meta({ id: 'CreatedTicket' });
export type TicketJson = z.infer<typeof Ticket>;
export type CreatedTicketJson = Omit<z.infer<typeof CreatedTicket>, 'token'>;
export type EventJson = z.infer<typeof TicketEvent>;

export const TicketList = z
  .object({
    items: z.array(Ticket),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .meta({ id: 'TicketList' });

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

/** `topic` of the wrong type, or an id that is no whole number from 1: one message naming the field. */
const TOPIC_ERROR = 'Topic: give one topic name, or its id (a whole number from 1).';

export const NewTicket = withCoreRules(
  z.strictObject({
    name: z.string({ error: required('Name') }).meta({ description: "Customer's name", minLength: 1, maxLength: 100 }),
    email: z.string({ error: required('Email') }).meta({ description: "Customer's email address", maxLength: 254, example: 'carla@example.com' }),
    title: z.string({ error: required('Title') }).meta({ minLength: 1, maxLength: 200 }),
    description: z.string({ error: required('Description') }).meta({ minLength: 1, maxLength: 10_000 }),
    priority: z.string({ error: required('Priority') }).meta({ description: '`high`, `medium` or `low`, in any letter case', example: 'high' }),
    topic: z
      .union([z.string().meta({ maxLength: 100, description: 'Its name in any letter case, or its id as text', example: 'General' }), z.number().int(TOPIC_ERROR).min(1, TOPIC_ERROR).meta({ description: 'Its id', example: 2 }), z.null().meta({ description: 'No topic given' })], {
        error: TOPIC_ERROR,
      })
      .optional()
      .meta({ description: 'The topic (§12), by name (any letter case) or id (an integer, or its digits as text); decides the team and the skills needed; hidden topics are refused. Absent, null or empty: the first topic not hidden' }),
  }),
  validateNewTicket,
).meta({ id: 'NewTicket', description: 'The same fields and rules as the customer form' });

export const ReferenceParams = z.object({
  reference: z.string().meta({ description: 'The ticket reference, such as HD-42 (any letter case)', example: 'HD-42' }),
});

const parseBoolean = (raw: string): boolean | null => {
  const value = raw.trim().toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : null;
};

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
  z.string({ error: 'Give one team.' }).max(64, 'Team names have at most 64 characters.').optional().meta({ description: `${description}: its name in any letter case, or its id` });

export const TicketListQuery = z.strictObject({
  status: parsed(parseStatus, 'Choose open or closed.', '`open` or `closed`, any letter case').optional(),
  state: parsed(parseState, 'Choose pending, open or closed.', '`pending`, `open` (assigned) or `closed`, any letter case').optional(),
  priority: parsed(parsePriority, 'Choose high, medium or low.', '`high`, `medium` or `low`, any letter case').optional(),
  agent: z.string({ error: 'Give one username.' }).max(64, 'Usernames have at most 64 characters.').optional().meta({ description: "Only this agent's tickets (username); empty: every agent's" }),
  team: teamFilter("Only this team's tickets (§12)"),
  breached: parsed(parseBoolean, 'Use true or false.', '`true`: open past the SLA deadline or closed after it; `false`: the others').optional(),
  q: z.string({ error: 'Give one search text.' }).max(200, 'At most 200 characters.').optional().meta({
    description:
      'Search: words (any letter case, also inside longer words; at least 3 characters), "quoted phrases", -word to leave out, ' +
      'an email address (the customer, exactly) or HD-123. Looks in the reference, title, customer name and email, messages and notes, ' +
      'attachment names and mail subjects. Tickets whose title or customer matches come first, then the others; each newest first.',
  }),
  limit: pageLimit('Tickets'),
  cursor: pageCursor,
});

/** The list's filters, for the CSV export (no pages: it is all of them). */
export const TicketExportQuery = TicketListQuery.omit({ limit: true, cursor: true });

export const AssignBody = z
  .strictObject({
    agent: z
      .string({ error: 'Give an agent username, or null to send the ticket back to the queue.' })
      .nullable()
      .meta({ description: 'Username of an active agent, or null to send the ticket back to the queue' }),
  })
  .meta({ id: 'AssignRequest' });

// ---------------------------------------------------------------- messages (§9)

const MESSAGE_CHANNELS = ['web', 'email', 'api'] as const satisfies readonly MessageChannel[];

export const MessageAttachment = z
  .object({
    id: z.number().int(),
    filename: z.string(),
    content_type: z.string().meta({ example: 'image/png' }),
    size: z.number().int().meta({ description: 'Bytes' }),
    url: z.string().meta({ description: 'The file, for the same bearer token' }),
  })
  .meta({ id: 'Attachment' });

export const Message = z
  .object({
    id: z.number().int().meta({ description: 'Grows along the thread; send the newest one read as `seen` when replying' }),
    kind: z.enum(MESSAGE_KINDS).meta({ description: '`customer`: written by the customer; `reply`: public, emailed to the customer; `note`: internal, staff only' }),
    author: z.object({
      type: z.enum(['customer', 'staff']),
      name: z.string().meta({ description: 'The name as it was when written' }),
      username: z.string().nullable().meta({ description: "The staff member's username; null for the customer" }),
    }),
    body: z.string().meta({ description: 'Plain text; line ends are `\n`' }),
    channel: z.enum(MESSAGE_CHANNELS).meta({ description: 'Where it was written: a web page, an email, or this API' }),
    automatic: z.boolean().meta({ description: 'An automatic mail (such as an out-of-office answer) shown on its ticket; it changes nobody\'s turn' }),
    created_at: IsoTime,
    attachments: z.array(MessageAttachment),
  })
  .meta({ id: 'Message' });
export type MessageJson = z.infer<typeof Message>;
export type AttachmentJson = z.infer<typeof MessageAttachment>;

export const MessageList = z
  .object({
    items: z.array(Message).meta({ description: 'Oldest first' }),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next (newer) page; null on the last page' }),
  })
  .meta({ id: 'MessageList' });

export const MessageListQuery = z.strictObject({ limit: pageLimit('Messages'), cursor: pageCursor });

const NOT_A_MESSAGE_ID = 'Not a message id.';

export const NewMessage = withCoreRules(
  z.strictObject({
    kind: z.string({ error: 'Choose reply or note.' }).meta({ enum: [...STAFF_MESSAGE_KINDS], description: '`reply`: public, emailed to the customer; `note`: internal, for staff only' }),
    body: z.string({ error: required('Body') }).meta({ minLength: 1, maxLength: STAFF_BODY_MAX, description: 'Plain text; not only spaces, no control characters other than tabs and line ends' }),
    close: z.boolean({ error: 'Use true or false.' }).optional().meta({ description: 'Replies only: send the reply and close the ticket (R4) in one step; the customer gets one email' }),
    seen: z
      .number({ error: NOT_A_MESSAGE_ID })
      .int(NOT_A_MESSAGE_ID)
      .min(1, NOT_A_MESSAGE_ID)
      .max(2_147_483_647, NOT_A_MESSAGE_ID)
      .nullable()
      .optional()
      .meta({ description: "Id of the newest message of this ticket's thread the writer has read (notes included). A reply is held back (409 `stale`) when a newer public message exists; notes never are. A reply's `seen` beyond the thread's newest message (another ticket's) is refused (400); a note ignores it. Without it, a reply is sent whatever came in meanwhile." }),
    attachments: z
      .never({ error: 'Files cannot be sent through the API in this version: attach them on the staff ticket page.' })
      .optional()
      .meta({ description: 'Not accepted in this version (400): files are attached on the staff ticket page' }),
  }),
  validateStaffMessage,
).meta({ id: 'NewMessage', description: 'A staff reply or note; the same rules as the staff ticket page\'s reply form' });

export const StaleOrConflict = z
  .object({
    error: z.object({
      code: z.enum(['stale', 'conflict']).meta({ description: '`stale`: a public message newer than `seen` exists; `conflict`: the ticket is closed (a reply cannot be sent; a note can)' }),
      message: z.string().meta({ description: 'For people; may change' }),
      newest_message_id: z
        .number()
        .int()
        .optional()
        .meta({ description: '`stale` only: the newest public message. Read it; to send the reply anyway, post it again with `seen` set to this id.' }),
    }),
  })
  .meta({ id: 'MessageConflict', description: 'The reply was not written' });
export type MessageConflictJson = z.infer<typeof StaleOrConflict>;

// ---------------------------------------------------------------- agents

export const Agent = z
  .object({
    username: z.string(),
    display_name: z.string(),
    role: z.enum(ROLES),
    presence: z.enum(PRESENCES),
    capacity: z.number().int().nullable().meta({ description: "Effective capacity (own or the default); null for admins, who are not routed tickets" }),
    open_count: z.number().int(),
    last_assigned_at: IsoTime.nullable(),
  })
  .meta({ id: 'Agent' });
export type AgentJson = z.infer<typeof Agent>;

export const AgentList = z
  .object({ items: z.array(Agent), next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page' }) })
  .meta({ id: 'AgentList' });

export const AgentListQuery = z.strictObject({
  team: teamFilter('Only members of this team (§12)'),
  limit: pageLimit('Staff members'),
  cursor: pageCursor,
});

const parsePresence = (raw: string): Presence | null => {
  const value = raw.trim().toLowerCase();
  return (PRESENCES as readonly string[]).includes(value) ? (value as Presence) : null;
};

export const PresenceBody = z
  .strictObject({
    status: parsed(parsePresence, 'Choose available, away or offline.', '`available` (as at login), `away`, or `offline` (as at logout), any letter case'),
  })
  .meta({ id: 'PresenceRequest' });

/** A route that answers 204: nothing in the body. */
export const Deleted = z.null().describe('Deleted; no body');
