import { actingOf } from '../acting.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, invalidInput } from '../../core/errors.js';
import { checkSettings, type Settings } from '../../core/settings.js';
import { EditConflict, SHOWN_DAMAGED } from '../../core/formMerge.js';
import { SETTINGS_FORM_FIELDS, settingsBoxErrors, settingsEditForm, settingsFormInput, settingsFormValues } from '../../core/settingsForm.js';
import { calendarChoices } from '../../repositories/calendars.js';
import { loadSettings } from '../../repositories/settings.js';
import { twoFactorRequired } from '../../repositories/twoFactor.js';
import { updateSettings } from '../../services/admin.js';
import type { ServiceContext } from '../../services/context.js';
import { attentionOf, loadDesk } from '../../services/attention.js';
import { computeMailStats } from '../../services/mailStats.js';
import { inReadSnapshot } from '../../db/transaction.js';
import { computeStats, parseStatsWindow, type StatsTeam, type StatsWindow } from '../../services/stats.js';
import { teamFilterOf } from '../../services/teams.js';
import { listTeamNames } from '../../repositories/teams.js';
import { createUser } from '../../services/users.js';
import { SettingsPage } from '../../views/admin/settings.js';
import { AdminDashboardPage, type DashboardFigures, REGISTER_FIELDS, RegisterPage } from '../../views/adminapp.js';
import type { FormErrors, FormValues } from '../../views/components.js';
import type { Flash } from '../../views/layout.js';
import { renderPage } from '../../views/render.js';
import { setFlash, takeFlash } from '../flash.js';
import { formBody, keptValues, postedEdit, sendHtml } from '../forms.js';
import { adminOnly } from '../session.js';
import { lastValue, type Query } from './adminFilters.js';

const isInvalidInput = (error: unknown): error is DomainError => error instanceof DomainError && error.code === 'invalid_input';

/**
 * Admin pages (§1, §6): the KPI dashboard and its JSON feed, registering staff, settings. Every
 * route in this plugin is admin-only (one hook for the subtree) and every POST checks the CSRF token.
 */
export function adminappRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  // Every open dashboard polls every 5 s; on a big "all" window one computation takes about a
  // second, so requests arriving while one runs share its result instead of queueing their own.
  // The figures are the §8 stats object with the email figures beside it (`mail`).
  // Beside them, the alarms of the "Needs attention" panel (`attention`, services/attention.ts).
  // One team's dashboard (`?team=`, §12) shares per window and team.
  const inFlight = new Map<string, Promise<DashboardFigures>>();
  const stats = (window: StatsWindow, team: StatsTeam): Promise<DashboardFigures> => {
    const key = `${window}:${team?.id ?? ''}`;
    const running = inFlight.get(key);
    if (running) return running;
    const now = ctx.clock.now();
    // The figures and the desk's alarms in one read snapshot, so the panel agrees with the cards.
    const snapshot = inReadSnapshot(ctx.handle.db, async (t) => ({ figures: await computeStats(t, { window, now, team }), desk: await loadDesk(t, now, team?.id ?? null), teams: await listTeamNames(t) }));
    const started = Promise.all([snapshot, computeMailStats(ctx.handle, now)])
      .then(([{ figures, desk, teams }, mail]) => ({ ...figures, mail, attention: attentionOf(desk, figures, mail), team_choices: teams }))
      .finally(() => inFlight.delete(key));
    inFlight.set(key, started);
    return started;
  };
  /**
   * The window and team of a dashboard request; null when either is unknown. A repeated one counts
   * as its last value, as on the lists (it was a 400 here only).
   */
  const scopeOf = async (query: Query) => {
    const window = parseStatsWindow(lastValue(query, 'window'));
    if (window === null) return { error: { window: 'Choose 24h, 7d, 30d or all.' } };
    try {
      return { window, team: await teamFilterOf(ctx.handle.db, lastValue(query, 'team')) };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'invalid_input') return { error: error.fields };
      throw error;
    }
  };

  app.register(async (admin) => {
    adminOnly(admin);

    admin.get('/adminapp/dashboard/', async (request, reply) => {
      const scope = await scopeOf(request.query as Query);
      if (scope.error) throw invalidInput(scope.error, scope.error.window ? 'Unknown time window: choose 24h, 7d, 30d or all.' : 'Unknown team.');
      const figures = await stats(scope.window, scope.team);
      return sendHtml(reply, renderPage(AdminDashboardPage({ viewer: request.viewer!, csrf: reply.generateCsrf(), flash: takeFlash(request, reply), stats: figures })));
    });

    // The figures and chart data for the dashboard's script: the object of GET /api/v1/stats, `mail` and `attention`.
    admin.get('/adminapp/dashboard/data.json', async (request, reply) => {
      const scope = await scopeOf(request.query as Query);
      if (scope.error) {
        return reply.status(400).send({ error: { code: 'invalid_input', message: scope.error.window ? 'Unknown time window.' : 'Unknown team.', fields: scope.error } });
      }
      return reply.send(await stats(scope.window, scope.team));
    });

    admin.get('/adminapp/register/', async (request, reply) => {
      return sendHtml(reply, renderPage(RegisterPage({ viewer: request.viewer!, csrf: reply.generateCsrf(), flash: takeFlash(request, reply), values: {}, errors: {} })));
    });

    admin.post('/adminapp/register/', { preHandler: app.csrfProtection }, async (request, reply) => {
      const body = formBody(request.body);
      try {
        const id = await createUser(ctx, body, actingOf(request));
        const username = String(body.username).trim().toLowerCase();
        setFlash(reply, { kind: 'success', message: `Registered ${username}. They can log in now.` });
        return reply.redirect(`/admin/users/${id}/`, 303);
      } catch (error) {
        if (!isInvalidInput(error)) throw error;
        // The password is never sent back.
        const page = RegisterPage({ viewer: request.viewer!, csrf: reply.generateCsrf(), flash: null, values: keptValues(body, REGISTER_FIELDS), errors: error.fields });
        return sendHtml(reply, renderPage(page), 400);
      }
    });

    // The saved SLA targets explain the queue order (what `deadline` would change), also while a
    // form with errors shows the typed values. `shown`: what the form is an edit of (core/formMerge.ts).
    const settingsPage = async (request: FastifyRequest, reply: FastifyReply, form: { values: FormValues; shown?: FormValues; errors: FormErrors; flash: Flash | null }, saved?: Settings) => {
      const [calendars, settings, required] = await Promise.all([calendarChoices(ctx.handle.db), saved ?? loadSettings(ctx.handle.db), twoFactorRequired(ctx.handle.db)]);
      const shown = form.shown ?? settingsFormValues(settings);
      return renderPage(SettingsPage({ viewer: request.viewer!, csrf: reply.generateCsrf(), ...form, shown, calendars, sla: settings.sla, twoFactorRequired: required }));
    };

    admin.get('/adminapp/settings/', async (request, reply) => {
      const saved = await loadSettings(ctx.handle.db);
      return sendHtml(reply, await settingsPage(request, reply, { values: settingsFormValues(saved), errors: {}, flash: takeFlash(request, reply) }, saved));
    });

    // The pause box comes with its hidden `off` (core/settingsForm.ts): ticked, the name comes twice.
    admin.post('/adminapp/settings/', { preHandler: app.csrfProtection, config: { formLists: ['pause_while_waiting'] } }, async (request, reply) => {
      const body = formBody(request.body);
      const edit = postedEdit(body);
      if (edit === null) return sendHtml(reply, await settingsPage(request, reply, { values: keptValues(body, SETTINGS_FORM_FIELDS), errors: {}, flash: { kind: 'error', message: SHOWN_DAMAGED } }), 400);
      // The fields a form or script from before them leaves out keep their stored values. A page
      // says what it showed: only the fields its admin changed are applied (core/formMerge.ts).
      let input: Record<string, unknown> = body;
      try {
        const boxes = settingsBoxErrors(body);
        if (Object.keys(boxes).length > 0) throw invalidInput(boxes);
        const calendars = await calendarChoices(ctx.handle.db);
        const form = settingsEditForm((id) => calendars.find((c) => c.id === id)?.name);
        await updateSettings(ctx, actingOf(request), (stored) => {
          input = settingsFormInput(edit.merge(form, settingsFormValues(stored)) ?? body, stored);
          return checkSettings(input, stored);
        });
        setFlash(reply, { kind: 'success', message: 'Settings saved. Capacity and queue order apply now; SLA targets and the calendar apply to clocks started from now on, and the email priority to new tickets.' });
        return reply.redirect('/adminapp/settings/', 303);
      } catch (error) {
        if (error instanceof EditConflict) {
          return sendHtml(reply, await settingsPage(request, reply, { values: error.values, shown: error.stored, errors: error.fields, flash: { kind: 'error', message: error.message } }), 409);
        }
        if (!isInvalidInput(error)) throw error;
        return sendHtml(reply, await settingsPage(request, reply, { values: keptValues(input, SETTINGS_FORM_FIELDS), shown: edit.nextShown, errors: error.fields, flash: null }), 400);
      }
    });
  });
}
