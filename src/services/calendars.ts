/**
 * Business-hours calendars (§11): create, change, delete. Admin only (the routes check the role).
 * Input is checked by the core (checkCalendar, or checkCalendarForm for the page) before it gets
 * here; this adds what needs the database: names unique in any letter case (400 on `name`), a
 * calendar in use cannot be deleted (409). Every refusal writes nothing.
 *
 * A saved change is a new version, and a deleted calendar's versions stay: a ticket's clocks keep
 * counting with the calendar they started with (§11: a change applies to clocks started after it).
 */
import { CALENDAR_FORM_LABELS } from '../core/calendarForm.js';
import { neverOpenFields } from '../core/calendarOpens.js';
import { changedParts } from '../core/audit.js';
import { type Submission, submittedOver } from '../core/checked.js';
import { labelled } from '../core/fieldErrors.js';
import type { CalendarDefinition } from '../core/calendar.js';
import { DomainError, invalidInput, notFound } from '../core/errors.js';
import { parseId } from '../core/tickets.js';
import { isUniqueViolation } from '../core/writeErrors.js';
import type { Db } from '../db/connect.js';
import { inTransaction } from '../db/transaction.js';
import { calendarNamed, type CalendarRecord, deleteCalendar, findCalendar, insertCalendar, slaCalendarId, teamsCountingWith, updateCalendar } from '../repositories/calendars.js';
import { type Acting, auditBy } from './audit.js';
import type { ServiceContext } from './context.js';

/** A calendar as the core checked it. */
export interface CalendarInput {
  name: string;
  definition: CalendarDefinition;
}

/** The id of a calendar as a URL names it; anything that cannot be one is a calendar not found (404). */
export function calendarIdOf(raw: string): number {
  const id = parseId(raw);
  if (id === null) throw notFound('Calendar');
  return id;
}

const nameTaken = (name: string) => invalidInput(labelled({ name: `A calendar named “${name}” exists already (names are unique in any letter case): choose another name.` }, CALENDAR_FORM_LABELS));

/**
 * Saves a checked calendar: `id` null creates one, else changes that one (404 when it is gone).
 * Returns the calendar as saved. Audited as `by`'s, with the name and definition before and after
 * (only what changed; nothing when nothing did). A change reads the calendar locked (PostgreSQL:
 * FOR UPDATE; SQLite writes one at a time), so a submission merged over it (core/formMerge.ts)
 * sees what another save just committed.
 */
export async function saveCalendar(ctx: ServiceContext, id: number | null, submission: Submission<CalendarInput, CalendarRecord>, by: Acting): Promise<CalendarRecord> {
  let name: string | undefined;
  try {
    return await inTransaction(ctx.handle, async (trx) => {
      const before = id === null ? undefined : await findCalendar(trx, id, { lock: true });
      if (id !== null && !before) throw notFound('Calendar');
      const { value: input, fields: parsed } = submittedOver(submission, before);
      name = input.name;
      // Every problem at once: the submission's own, a name in use and holidays that keep it closed
      // for good (core/calendarOpens.ts) beside them; the latter only of a definition read whole.
      const now = ctx.clock.now();
      const taken = parsed.name === undefined && (await calendarNamed(trx, input.name, id)) !== undefined;
      const closed = Object.keys(parsed).every((field) => field === 'name') ? labelled(neverOpenFields(input.definition, now), CALENDAR_FORM_LABELS) : {};
      if (taken || Object.keys(parsed).length > 0 || Object.keys(closed).length > 0) throw invalidInput({ ...parsed, ...closed, ...(taken ? nameTaken(input.name).fields : {}) });
      const row = { ...input, now };
      const savedId = id === null ? await insertCalendar(trx, row) : (await updateCalendar(trx, id, row)) ? id : null;
      if (savedId === null) throw notFound('Calendar');
      const saved = (await findCalendar(trx, savedId))!;
      const change = before ? changedParts(auditedCalendar(before), auditedCalendar(saved)) : { after: auditedCalendar(saved) };
      if (change) await auditBy(trx, by, row.now, id === null ? 'calendar.create' : 'calendar.update', `calendar:${savedId}`, change);
      return saved;
    });
  } catch (error) {
    // Two saves of one name at once: the unique index refuses the second.
    if (isUniqueViolation(error) && name !== undefined) throw nameTaken(name);
    throw error;
  }
}

/** A calendar as the audit log records it. */
const auditedCalendar = (calendar: CalendarRecord) => ({ name: calendar.name, definition: calendar.definition });

/** Where calendar `id` is used, in words for a refusal; null when it is unused. */
async function useOf(db: Db, id: number): Promise<string | null> {
  if ((await slaCalendarId(db)) === id) return 'it is the SLA calendar in the settings';
  const teams = await teamsCountingWith(db, id);
  return teams.length === 0 ? null : `it is the SLA calendar of ${teams.length === 1 ? 'team' : 'teams'} ${teams.map((t) => `“${t}”`).join(', ')}`;
}

/** Where calendar `id` is used (for the page to offer deleting it only when unused); null when unused. */
export function calendarUse(ctx: ServiceContext, id: number): Promise<string | null> {
  return useOf(ctx.handle.db, id);
}

/**
 * Deletes a calendar that nothing uses; its versions stay for the tickets that count with them.
 * Returns the deleted calendar's name, or null when it was already gone; a calendar in use is a
 * 409 that says where, and stays.
 *
 * The row is deleted first and the use checked after, in one transaction: a settings change that
 * holds the calendar (holdCalendar) either finishes first, and the check sees it and rolls back,
 * or waits for this one and finds the calendar gone.
 */
export async function removeCalendar(ctx: ServiceContext, id: number, by: Acting): Promise<string | null> {
  return inTransaction(ctx.handle, async (trx) => {
    const found = await findCalendar(trx, id);
    if (!found || !(await deleteCalendar(trx, id))) return null;
    const use = await useOf(trx, id);
    if (use) throw new DomainError('conflict', `Calendar “${found.name}” cannot be deleted: ${use}. Choose another calendar (or 24/7) there first (/adminapp/settings/, /adminapp/teams/).`);
    await auditBy(trx, by, ctx.clock.now(), 'calendar.delete', `calendar:${id}`, { before: auditedCalendar(found) });
    return found.name;
  });
}
