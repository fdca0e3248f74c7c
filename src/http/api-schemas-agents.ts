/** The agents' API shapes (§8 agents list and presence) as zod schemas, beside api-schemas.ts. */
import { z } from 'zod';
import { PRESENCES, type Presence } from '../core/routing.js';
import { ROLES } from '../core/users.js';
import { IsoTime, pageCursor, pageLimit, parsed, teamFilter } from './api-schemas.js';

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
    status: parsed(parsePresence, 'Choose available, away or offline.', '`available` (as at login), `away`, or `offline` (as at logout), any letter case', PRESENCES),
  })
  .meta({ id: 'PresenceRequest' });
