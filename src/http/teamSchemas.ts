/** API shapes of teams, topics and skills (§12). Bodies are checked by src/core/teamInput.ts, as the pages' are. */
import { z } from 'zod';
import { QUEUE_ORDERS } from '../core/routing.js';
import { Targets } from './api-schemas-settings.js';

const minutes = z.number().int().nullable();

export const TeamSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    calendar: z
      .union([z.number().int(), z.literal('24/7')])
      .nullable()
      .meta({ description: 'Its own SLA calendar: a calendar’s id or `24/7`; null: the desk’s (the settings’ `calendar`, as it is when a clock starts)' }),
    sla: z
      .object({ high: Targets, medium: Targets, low: Targets })
      .nullable()
      .meta({ description: 'Its own SLA targets (the settings’ shape); null: the desk’s. Its tickets’ clocks start with them' }),
    overflow_team: z.string().nullable().meta({ description: 'The team whose members may also take this team’s tickets once they have waited overflow_after_minutes' }),
    overflow_after_minutes: minutes,
    queue_order: z.enum(QUEUE_ORDERS).nullable().meta({ description: 'The order its waiting tickets are taken in: `oldest` (created_at) or `deadline` (sla_due_at); null: the desk’s queue_order setting' }),
    members: z.array(z.string()).meta({ description: 'Usernames' }),
  })
  .meta({ id: 'Team' });

export const TopicSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    team: z.string(),
    skills: z.array(z.object({ name: z.string(), optional_after_minutes: minutes })),
    addresses: z.array(z.string()).meta({ description: 'Inbound addresses (To/Delivered-To) whose mail becomes a ticket of this topic' }),
    hidden: z.boolean().meta({ description: 'Kept off the customer form and refused by name on it and on POST /api/v1/tickets; only its addresses lead to it' }),
    default_priority: z.enum(['high', 'medium', 'low']).nullable().meta({ description: 'The priority of a mail to one of its addresses; null: the email channel’s setting' }),
  })
  .meta({ id: 'Topic' });

export const SkillSchema = z.object({ id: z.number().int(), name: z.string(), agents: z.array(z.string()) }).meta({ id: 'Skill' });

export const TeamBody = z
  .strictObject({
    name: z.unknown().meta({ type: 'string', example: 'Billing' }),
    calendar: z.unknown().optional().meta({ description: 'A calendar’s id or `24/7`; null or absent: the desk’s', example: '24/7' }),
    sla: z
      .unknown()
      .optional()
      .meta({
        type: 'object',
        description:
          'Its own targets, per priority `{ "resolution": "30m", "first_response": "10m", "next_reply": null }` (resolution required for each of high, medium and low; durations as in the settings); null or absent: the desk’s',
      }),
    overflow_team: z.unknown().optional().meta({ type: 'string', description: 'A team’s name, or its id (digits alone, or a number); with overflow_after_minutes' }),
    overflow_after_minutes: z.unknown().optional().meta({ type: 'integer', description: '1–10080' }),
    queue_order: z.unknown().optional().meta({ type: 'string', enum: [...QUEUE_ORDERS], description: '`oldest` or `deadline`; absent or null: the desk’s queue_order setting (a PUT replaces the whole team)' }),
    members: z.unknown().optional().meta({ type: 'array', description: 'Usernames of agents; absent: unchanged. An agent holding open tickets keeps at least one team' }),
  })
  .meta({ id: 'TeamRequest' });

export const TopicBody = z
  .strictObject({
    name: z.unknown().meta({ type: 'string', example: 'Rechnungen' }),
    team: z.unknown().meta({ type: 'string', example: 'Billing' }),
    skills: z.unknown().optional().meta({ type: 'array', description: 'Skill names, or {name, optional_after_minutes}: the skill is no longer needed once the ticket has waited that long' }),
    addresses: z.unknown().optional().meta({ type: 'array', description: 'Inbound email addresses' }),
    hidden: z.boolean({ error: 'Hidden: true or false.' }).nullable().optional().meta({ description: 'Default false; at least one topic stays on the form' }),
    default_priority: z.unknown().optional().meta({ type: 'string', enum: ['high', 'medium', 'low'], description: 'For mail to its addresses; absent or null: none' }),
  })
  .meta({ id: 'TopicRequest' });

export const SkillBody = z.strictObject({ name: z.unknown().meta({ type: 'string', example: 'German' }) }).meta({ id: 'SkillRequest' });

export const AgentTeamsBody = z
  .strictObject({
    teams: z.unknown().optional().meta({ type: 'array', description: 'Team names; an agent holding open tickets keeps at least one' }),
    skills: z.unknown().optional().meta({ type: 'array', description: 'Skill names' }),
  })
  .meta({ id: 'AgentTeamsRequest' });

export const IdParams = z.object({ id: z.string().meta({ example: '2' }) });
export const UsernameParams = z.object({ username: z.string().meta({ example: 'ana' }) });
