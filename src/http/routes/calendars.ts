/**
 * Calendars (§11) at `/adminapp/calendars/`: the list (with the built-in 24/7), a new calendar, edit,
 * delete when unused. Admin only; every POST checks the CSRF token; a refused save shows the form
 * again with the admin's text and a message by each field (400), writing nothing.
 */
import { actingOf } from '../acting.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CALENDAR_EDIT_FORM, CALENDAR_FORM_FIELDS, calendarFormValues, calendarTooLongMessage, checkCalendarForm, newCalendarFormValues } from '../../core/calendarForm.js';
import { EditConflict, SHOWN_DAMAGED } from '../../core/formMerge.js';
import { DomainError, notFound } from '../../core/errors.js';
import { type CalendarRecord, findCalendar, listCalendars, slaCalendarId } from '../../repositories/calendars.js';
import { calendarIdOf, calendarUse, removeCalendar, saveCalendar } from '../../services/calendars.js';
import type { ServiceContext } from '../../services/context.js';
import { CALENDARS, CalendarFormPage, CalendarListPage } from '../../views/calendars.js';
import type { FormErrors, FormValues } from '../../views/components.js';
import type { Flash } from '../../views/layout.js';
import { renderPage } from '../../views/render.js';
import { setFlash, takeFlash } from '../flash.js';
import { formBody, keptValues, postedEdit, sendHtml, staffTooLongForm } from '../forms.js';
import { adminOnly, staffMayPost } from '../session.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const isInvalidInput = (error: unknown): error is DomainError => error instanceof DomainError && error.code === 'invalid_input';

const calendarId = (request: IdRequest) => calendarIdOf(request.params.id);

export function calendarRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const db = ctx.handle.db;

  /** The form of calendar `id` (null: a new one); `values` null shows the calendar as saved; `shown`: what it is an edit of (default: as saved). */
  const formPage = async (request: FastifyRequest, reply: FastifyReply, id: number | null, values: FormValues | null, errors: FormErrors, status = 200, flash: Flash | null = null, shown?: FormValues) => {
    const calendar = id === null ? null : ((await findCalendar(db, id)) ?? null);
    if (id !== null && !calendar) throw notFound('Calendar');
    const saved = calendar ? calendarFormValues(calendar.name, calendar.definition) : newCalendarFormValues();
    const use = calendar ? await calendarUse(ctx, calendar.id) : null;
    const page = CalendarFormPage({ viewer: request.viewer!, csrf: reply.generateCsrf(), flash: flash ?? (status === 200 ? takeFlash(request, reply) : null), calendar, use, values: values ?? saved, shown: shown ?? saved, errors });
    return sendHtml(reply, renderPage(page), status);
  };

  /**
   * Checks and saves the form; back to the list, or the form again with the messages: 400 for bad
   * fields, 409 for fields another admin changed since the page was loaded (core/formMerge.ts).
   */
  const save = async (request: FastifyRequest, reply: FastifyReply, id: number | null) => {
    const body = formBody(request.body);
    const edit = postedEdit(body);
    if (edit === null) return formPage(request, reply, id, keptValues(body, CALENDAR_FORM_FIELDS), {}, 400, { kind: 'error', message: SHOWN_DAMAGED });
    try {
      const submission = (stored: CalendarRecord | undefined) => checkCalendarForm((stored && edit.merge(CALENDAR_EDIT_FORM, calendarFormValues(stored.name, stored.definition))) || body);
      const saved = await saveCalendar(ctx, id, submission, actingOf(request));
      setFlash(reply, { kind: 'success', message: `Calendar “${saved.name}” ${id === null ? 'created' : 'saved'}.` });
      return reply.redirect(CALENDARS, 303);
    } catch (error) {
      if (error instanceof EditConflict) return formPage(request, reply, id, error.values, error.fields, 409, { kind: 'error', message: error.message }, error.stored);
      if (!isInvalidInput(error)) throw error;
      return formPage(request, reply, id, edit.values ?? keptValues(body, CALENDAR_FORM_FIELDS), error.fields, 400, null, edit.nextShown);
    }
  };

  // A field far over the 256 kB a form field may carry (a pasted list of holidays) is refused
  // before the route runs: the form comes back (413) with the text's start and a message by the
  // field, as the canned replies' do (so the form posts as multipart; it has no file input).
  const tooLong = (id: (request: FastifyRequest) => number | null) =>
    staffTooLongForm(['admin'], (request, reply, field) => {
      const body = formBody(request.body);
      return formPage(request, reply, id(request), keptValues(body, CALENDAR_FORM_FIELDS), { [field]: calendarTooLongMessage(field) }, 413, null, postedEdit(body)?.shown);
    });
  const tooLongNew = tooLong(() => null);
  const tooLongEdit = tooLong((request) => calendarId(request as IdRequest));
  const adminMayPost = staffMayPost('admin');

  app.register(async (admin) => {
    adminOnly(admin);

    admin.get(CALENDARS, async (request, reply) => {
      const [calendars, sla] = await Promise.all([listCalendars(db), slaCalendarId(db)]);
      return sendHtml(reply, renderPage(CalendarListPage({ viewer: request.viewer!, csrf: reply.generateCsrf(), flash: takeFlash(request, reply), calendars, slaCalendarId: sla })));
    });

    admin.get(`${CALENDARS}new/`, async (request, reply) => formPage(request, reply, null, null, {}));
    admin.post(`${CALENDARS}new/`, { preHandler: app.csrfProtection, config: { tooLongForm: tooLongNew, takesFiles: adminMayPost } }, async (request, reply) => save(request, reply, null));

    admin.get(`${CALENDARS}:id/`, async (request: IdRequest, reply) => formPage(request, reply, calendarId(request), null, {}));
    admin.post<{ Params: { id: string } }>(`${CALENDARS}:id/`, { preHandler: app.csrfProtection, config: { tooLongForm: tooLongEdit, takesFiles: adminMayPost } }, async (request: IdRequest, reply) => save(request, reply, calendarId(request)));

    admin.post<{ Params: { id: string } }>(`${CALENDARS}:id/delete/`, { preHandler: app.csrfProtection }, async (request: IdRequest, reply) => {
      const id = calendarId(request);
      try {
        const name = await removeCalendar(ctx, id, actingOf(request));
        setFlash(reply, name === null ? { kind: 'info', message: 'That calendar was already deleted.' } : { kind: 'success', message: `Calendar “${name}” deleted.` });
        return reply.redirect(CALENDARS, 303);
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== 'conflict') throw error;
        return formPage(request, reply, id, null, {}, 409, { kind: 'error', message: error.message });
      }
    });
  });
}
