/** The tickets' API shapes (§8 tickets, their events, creation, lists and assignment) as zod schemas, beside api-schemas.ts. */
import { z } from 'zod';
import { CSAT_SCORES } from '../core/csat.js';
import { EVENT_TYPES, parsePriority, parseState, parseStatus, PRIORITIES, STATES, STATUSES, validateNewTicket } from '../core/tickets.js';
import { IsoTime, pageCursor, pageLimit, parsed, required, teamFilter, withCoreRules } from './api-schemas.js';

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

export const TicketListQuery = z.strictObject({
  status: parsed(parseStatus, 'Choose open or closed.', '`open` or `closed`, any letter case', STATUSES).optional(),
  state: parsed(parseState, 'Choose pending, open or closed.', '`pending`, `open` (assigned) or `closed`, any letter case. One that never matches the `status` given (`status=closed&state=pending`, `status=open&state=closed`) is a 400 naming `state`, rather than an empty list', STATES).optional(),
  priority: parsed(parsePriority, 'Choose high, medium or low.', '`high`, `medium` or `low`, any letter case', PRIORITIES).optional(),
  agent: z.string({ error: 'Give one username.' }).max(64, 'Usernames have at most 64 characters.').optional().meta({ description: "Only this agent's tickets (username); empty: every agent's; a username no staff account has is a 400 naming `agent`" }),
  team: teamFilter("Only this team's tickets (§12)"),
  breached: parsed(parseBoolean, 'Use true or false.', '`true`: open past the SLA deadline or closed after it; `false`: the others; any letter case', ['true', 'false']).optional(),
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
