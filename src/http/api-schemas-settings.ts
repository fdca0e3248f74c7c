/**
 * The settings API's shapes (§11 `GET`/`PATCH /api/v1/settings`) as zod schemas, beside
 * api-schemas.ts (same role: validation, serialisation and the OpenAPI document from one source).
 */
import { z } from 'zod';
import { ALWAYS_OPEN } from '../core/calendar.js';
import { QUEUE_ORDERS } from '../core/routing.js';
import { MAX_CAPACITY, MAX_WARN_PERCENT } from '../core/settings.js';
import { PRIORITIES } from '../core/tickets.js';

// ---------------------------------------------------------------- settings (§11)

const DURATION = 'a duration such as `45s`, `4m`, `1h` or `1h30m`';
const TARGETS = {
  resolution: `Creation → close (the ticket's sla_due_at): ${DURATION}`,
  first_response: `Creation → the first public reply: ${DURATION}; null: no target`,
  next_reply: `Each customer message → the next public reply: ${DURATION}; null: no target`,
};
const SETTINGS = {
  sla: 'Targets per priority, counted in business time of the SLA calendar',
  calendar: `The SLA calendar: a calendar's id, or \`${ALWAYS_OPEN}\` (always open)`,
  pause_while_waiting: 'The resolution clock stops while the ticket waits on the customer',
  warn_at_percent: `1–${MAX_WARN_PERCENT}: warn when that share of a target's time has passed; null: no warnings`,
  default_capacity: `Open tickets per agent without a capacity of its own, 1–${MAX_CAPACITY}`,
  queue_order: 'Which waiting ticket the next free agent takes: `oldest` or `deadline`',
  release_on_logout: "R5: a leaving agent's open tickets go back to the queue",
  email_priority: 'Priority of tickets created from mail',
};

export const Targets = z
  .object({
    resolution: z.string().meta({ description: TARGETS.resolution, example: '1h' }),
    first_response: z.string().nullable().meta({ description: TARGETS.first_response, example: '15m' }),
    next_reply: z.string().nullable().meta({ description: TARGETS.next_reply, example: null }),
  })
  .meta({ id: 'SlaTargets' });

export const Settings = z
  .object({
    sla: z.object({ high: Targets, medium: Targets, low: Targets }).meta({ description: SETTINGS.sla }),
    calendar: z.union([z.number().int(), z.literal(ALWAYS_OPEN)]).meta({ description: SETTINGS.calendar, example: ALWAYS_OPEN }),
    pause_while_waiting: z.boolean().meta({ description: SETTINGS.pause_while_waiting }),
    warn_at_percent: z.number().int().nullable().meta({ description: SETTINGS.warn_at_percent, example: 80 }),
    default_capacity: z.number().int().meta({ description: SETTINGS.default_capacity }),
    queue_order: z.enum(QUEUE_ORDERS).meta({ description: SETTINGS.queue_order }),
    release_on_logout: z.boolean().meta({ description: SETTINGS.release_on_logout }),
    email_priority: z.enum(PRIORITIES).meta({ description: SETTINGS.email_priority }),
  })
  .meta({ id: 'Settings' });

// The patch checks types only; the values' rules are the settings page's (validateSettings), applied
// to the stored settings with the patch over them, so that their messages name the same fields.
const A_DURATION = 'Give a duration such as 45s, 4m, 1h or 1h30m.';
const A_DURATION_OR_NULL = 'Give a duration such as 4m or 1h30m, or null for no target.';
const A_BOOLEAN = 'Use true or false.';

const TargetsPatch = z.strictObject({
  resolution: z.string({ error: A_DURATION }).optional().meta({ description: TARGETS.resolution }),
  first_response: z.string({ error: A_DURATION_OR_NULL }).nullable().optional().meta({ description: TARGETS.first_response }),
  next_reply: z.string({ error: A_DURATION_OR_NULL }).nullable().optional().meta({ description: TARGETS.next_reply }),
});

export const SettingsPatch = z
  .strictObject({
    sla: z.strictObject({ high: TargetsPatch.optional(), medium: TargetsPatch.optional(), low: TargetsPatch.optional() }).optional().meta({ description: SETTINGS.sla }),
    calendar: z.union([z.number(), z.string()], { error: `Give a calendar id or "${ALWAYS_OPEN}".` }).optional().meta({ description: SETTINGS.calendar }),
    pause_while_waiting: z.boolean({ error: A_BOOLEAN }).optional().meta({ description: SETTINGS.pause_while_waiting }),
    warn_at_percent: z
      .number({ error: `Give a whole number from 1 to ${MAX_WARN_PERCENT}, or null for no warnings.` })
      .nullable()
      .optional()
      .meta({ description: SETTINGS.warn_at_percent }),
    default_capacity: z.number({ error: `Give a whole number from 1 to ${MAX_CAPACITY}.` }).optional().meta({ description: SETTINGS.default_capacity }),
    queue_order: z.string({ error: 'Choose oldest or deadline.' }).optional().meta({ description: SETTINGS.queue_order }),
    release_on_logout: z.boolean({ error: A_BOOLEAN }).optional().meta({ description: SETTINGS.release_on_logout }),
    email_priority: z.string({ error: 'Choose high, medium or low.' }).optional().meta({ description: `${SETTINGS.email_priority}: \`high\`, \`medium\` or \`low\`, any letter case` }),
  })
  .meta({
    id: 'SettingsPatch',
    description: 'Only the keys given change (inside `sla` too); the result is checked whole with the rules of the settings page, and nothing is saved when any key is refused. Unknown keys are refused.',
    example: { sla: { high: { first_response: '15m' } }, warn_at_percent: 80 },
  });
