/** The audit log's API shapes (§15 `GET /api/v1/audit`) as zod schemas, beside api-schemas.ts. */
import { z } from 'zod';
import { AUDIT_ACTION_FILTERS, parseAuditAction, parseAuditActor, RETIRED_AUDIT_ACTIONS, UNKNOWN_AUDIT_ACTION } from '../core/audit.js';
import { pageCursor, pageLimit, parsed } from './api-schemas.js';
import { parseDay } from './routes/adminFilters.js';

const DAY = 'A day as YYYY-MM-DD (UTC).';

export const AuditQuery = z.strictObject({
  actor: parsed(parseAuditActor, 'Enter a username.', 'What this staff member did, and the refused sign-ins that named this username').optional(),
  action: parsed(
    parseAuditAction,
    UNKNOWN_AUDIT_ACTION,
    `An action (\`user.create\`), or a family: \`user\` matches every \`user.…\`; any letter case; anything else is a 400 naming \`action\` (it used to answer an empty list, read as "nobody did that"). Also takes the names of actions earlier versions wrote and this one no longer does, as their entries stay: ${RETIRED_AUDIT_ACTIONS.map((a) => `\`${a}\``).join(', ')}`,
    AUDIT_ACTION_FILTERS,
  ).optional(),
  from: parsed(parseDay, DAY, 'From this day on (UTC, YYYY-MM-DD)').optional(),
  to: parsed(parseDay, DAY, 'Until this day, inclusive (UTC, YYYY-MM-DD); a day before `from` is a 400 naming `to`').optional(),
  limit: pageLimit('Entries'),
  cursor: pageCursor,
});

export const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.string().meta({ description: 'ISO 8601, UTC', example: '2026-12-05T10:00:00.000Z' }),
    actor: z
      .object({ id: z.number().int(), username: z.string() })
      .nullable()
      .meta({ description: 'Who acted; null for a failed sign-in (`subject` holds the username typed) and the system' }),
    action: z.string().meta({ example: 'user.create' }),
    subject: z.string().meta({ description: 'What was acted on: `user:12`, `settings`, `ticket:HD-42`, …', example: 'user:12' }),
    address: z.string().meta({ description: "The client's address (behind TRUST_PROXY: the proxy's client)", example: '198.51.100.7' }),
    before: z.unknown().nullable().meta({ description: 'The state before, where it applies; secrets never appear' }),
    after: z.unknown().nullable().meta({ description: 'The state after, where it applies; secrets never appear' }),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntryJson = z.infer<typeof AuditEntrySchema>;

export const TwoFactorResetAnswer = z
  .object({
    username: z.string(),
    had_two_factor: z.boolean().meta({ description: 'false: the account had no second factor (nothing changed, nothing audited)' }),
    message: z.string().meta({ description: 'What happened, in words for people: reset, or nothing to reset' }),
  })
  .meta({ id: 'TwoFactorReset' });

export const AuditList = z
  .object({ items: z.array(AuditEntrySchema), next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page' }) })
  .meta({ id: 'AuditList' });
