/**
 * Teams, topics and skills (§12) at `/adminapp/teams/` and `/adminapp/topics/`: lists, new, edit,
 * delete; skills are added, renamed and deleted on the teams page. Admin only; every POST checks the CSRF
 * token and goes through src/services/teams.ts, as the API does (same checks, same audit entries).
 * A refused save shows the form again with the admin's input and a message by each field (400),
 * writing nothing.
 */
import { actingOf } from '../acting.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, notFound } from '../../core/errors.js';
import { EditConflict, SHOWN_DAMAGED } from '../../core/formMerge.js';
import { keptFormValues, TEAM_EDIT_FORM, teamBodyOf, teamFormValues, teamFromForm, topicBodyOf, topicEditForm, topicFormValues, topicFromForm } from '../../core/teamForm.js';
import { checkTeam, checkTopic } from '../../core/teamInput.js';
import { ALWAYS_OPEN } from '../../core/calendar.js';
import { resolutionTargetsInWords } from '../../core/teamSla.js';
import { parseId } from '../../core/tickets.js';
import { calendarChoices } from '../../repositories/calendars.js';
import { loadSettings } from '../../repositories/settings.js';
import { agentChoices, listSkills, listTeams, listTopics } from '../../repositories/teams.js';
import type { ServiceContext } from '../../services/context.js';
import { type AdminActor, createSkill, deleteSkill, deleteTeam, deleteTopic, renameSkill, saveTeam, saveTopic } from '../../services/teams.js';
import type { FormErrors, FormValues } from '../../views/components.js';
import type { Flash } from '../../views/layout.js';
import { renderPage } from '../../views/render.js';
import { SKILLS, TEAMS, TeamFormPage, TeamListPage, TOPICS } from '../../views/teams.js';
import { TopicFormPage, TopicListPage } from '../../views/topics.js';
import { setFlash, takeFlash } from '../flash.js';
import { formBody, type PostedEdit, postedEdit, sendHtml } from '../forms.js';
import { adminOnly } from '../session.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const isInvalidInput = (error: unknown): error is DomainError => error instanceof DomainError && error.code === 'invalid_input';

function idOf(request: IdRequest, what: string): number {
  const id = parseId(request.params.id);
  if (id === null) throw notFound(what);
  return id;
}

/** A refusal's message for a flash: the first field's, else the error's own. */
const messageOf = (error: DomainError) => Object.values(error.fields ?? {})[0] ?? error.message;

interface FormState {
  values?: FormValues;
  /** What an edit form comes back as an edit of (core/formMerge.ts); default: the record as stored. */
  shown?: FormValues;
  errors?: FormErrors;
  status?: number;
  flash?: Flash | null;
}

export function teamPageRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const db = ctx.handle.db;
  const base = (request: FastifyRequest, reply: FastifyReply, state: FormState) => ({
    viewer: request.viewer!,
    csrf: reply.generateCsrf(),
    flash: state.flash ?? ((state.status ?? 200) === 200 ? takeFlash(request, reply) : null),
  });

  const teamList = async (request: FastifyRequest, reply: FastifyReply, state: FormState = {}) => {
    const [teams, skills, calendars, settings] = await Promise.all([listTeams(db), listSkills(db), calendarChoices(db), loadSettings(db)]);
    return sendHtml(reply, renderPage(TeamListPage({ ...base(request, reply, state), teams, skills, calendars, deskQueueOrder: settings.queueOrder, values: state.values ?? {}, errors: state.errors ?? {} })), state.status ?? 200);
  };

  const teamPage = async (request: FastifyRequest, reply: FastifyReply, id: number | null, state: FormState = {}) => {
    const [teams, agents, calendars, settings] = await Promise.all([listTeams(db), agentChoices(db), calendarChoices(db), loadSettings(db)]);
    const team = id === null ? null : (teams.find((t) => t.id === id) ?? null);
    if (id !== null && !team) throw notFound('Team');
    const desk = { calendar: calendars.find((c) => c.id === settings.calendarId)?.name ?? ALWAYS_OPEN, targets: resolutionTargetsInWords(settings) };
    const page = TeamFormPage({
      ...base(request, reply, state),
      team,
      teams,
      agents,
      calendars,
      desk,
      deskQueueOrder: settings.queueOrder,
      values: state.values ?? teamFormValues(team),
      shown: state.shown ?? teamFormValues(team),
      errors: state.errors ?? {},
    });
    return sendHtml(reply, renderPage(page), state.status ?? 200);
  };

  const topicPage = async (request: FastifyRequest, reply: FastifyReply, id: number | null, state: FormState = {}) => {
    const [topics, teams, skills] = await Promise.all([listTopics(db), listTeams(db), listSkills(db)]);
    const topic = id === null ? null : (topics.find((t) => t.id === id) ?? null);
    if (id !== null && !topic) throw notFound('Topic');
    const page = TopicFormPage({ ...base(request, reply, state), topic, teams, skills, values: state.values ?? topicFormValues(topic, skills), shown: state.shown ?? topicFormValues(topic, skills), errors: state.errors ?? {} });
    return sendHtml(reply, renderPage(page), state.status ?? 200);
  };

  /**
   * Runs a save; back to `done` with a flash, or the form again with what the admin typed: 400
   * naming the bad fields, 409 naming the fields another admin changed meanwhile (core/formMerge.ts).
   * `save` is handed the edit it merges the post with, which keeps the form's next `_shown`.
   */
  const saving = async (request: FastifyRequest, reply: FastifyReply, save: (edit: PostedEdit) => Promise<string>, done: string, again: (state: FormState) => Promise<FastifyReply>) => {
    const body = formBody(request.body);
    const edit = postedEdit(body);
    if (edit === null) return again({ values: keptFormValues(body), errors: {}, status: 400, flash: { kind: 'error', message: SHOWN_DAMAGED } });
    try {
      setFlash(reply, { kind: 'success', message: await save(edit) });
      return reply.redirect(done, 303);
    } catch (error) {
      if (error instanceof EditConflict) return again({ values: error.values, shown: error.stored, errors: error.fields, status: 409, flash: { kind: 'error', message: error.message } });
      if (!isInvalidInput(error)) throw error;
      return again({ values: edit.values ?? keptFormValues(body), shown: edit.nextShown, errors: error.fields, status: 400 });
    }
  };

  /**
   * Runs a delete (or a skill's rename), which answers what it did; back to `done`, or the item's
   * page again saying why not: 409 while something uses it (as the API answers, and as for a
   * calendar in use), 400 for another refusal (the message names the field).
   */
  const runAction = async (reply: FastifyReply, act: () => Promise<string>, done: string, again: (state: FormState) => Promise<FastifyReply>) => {
    try {
      setFlash(reply, { kind: 'success', message: await act() });
      return reply.redirect(done, 303);
    } catch (error) {
      const inUse = error instanceof DomainError && error.code === 'conflict';
      if (!inUse && !isInvalidInput(error)) throw error;
      return again({ status: inUse ? 409 : 400, flash: { kind: 'error', message: messageOf(error) } });
    }
  };

  app.register(async (admin) => {
    adminOnly(admin);

    /** New, edit and delete of one kind (teams, topics): the same form flow, its own page and service. */
    const editable = (root: string, what: 'Team' | 'Topic', formLists: readonly string[], page: typeof teamPage, save: (request: FastifyRequest, id: number | null, edit: PostedEdit) => Promise<string>, remove: (actor: AdminActor, id: number) => Promise<void>) => {
      admin.get(`${root}new/`, async (request, reply) => page(request, reply, null));
      admin.post(`${root}new/`, { preHandler: app.csrfProtection, config: { formLists } }, async (request, reply) => saving(request, reply, (edit) => save(request, null, edit), root, (state) => page(request, reply, null, state)));
      admin.get(`${root}:id/`, async (request: IdRequest, reply) => page(request, reply, idOf(request, what)));
      admin.post<{ Params: { id: string } }>(`${root}:id/`, { preHandler: app.csrfProtection, config: { formLists } }, async (request: IdRequest, reply) => {
        const id = idOf(request, what);
        return saving(request, reply, (edit) => save(request, id, edit), root, (state) => page(request, reply, id, state));
      });
      admin.post<{ Params: { id: string } }>(`${root}:id/delete/`, { preHandler: app.csrfProtection }, async (request: IdRequest, reply) => {
        const id = idOf(request, what);
        return runAction(reply, async () => (await remove(actingOf(request), id), `${what} deleted.`), root, (state) => page(request, reply, id, state));
      });
    };

    admin.get(TEAMS, async (request, reply) => teamList(request, reply));
    editable(
      TEAMS,
      'Team',
      ['members'],
      teamPage,
      async (request, id, edit) => {
        const teamId = await saveTeam(ctx, actingOf(request), (stored) => {
          const merged = stored ? edit.merge(TEAM_EDIT_FORM, teamFormValues(stored)) : null;
          return checkTeam(teamFromForm(merged ? teamBodyOf(merged) : edit.body));
        }, id);
        return `Team “${(await listTeams(db, teamId))[0]?.name ?? ''}” ${id === null ? 'created' : 'saved'}.`;
      },
      (actor, id) => deleteTeam(ctx, actor, id),
    );

    admin.post(SKILLS, { preHandler: app.csrfProtection }, async (request, reply) =>
      saving(request, reply, async () => {
        await createSkill(ctx, actingOf(request), formBody(request.body));
        return 'Skill added.';
      }, `${TEAMS}#skills`, (state) => teamList(request, reply, state)),
    );
    admin.post<{ Params: { id: string } }>(`${SKILLS}:id/delete/`, { preHandler: app.csrfProtection }, async (request: IdRequest, reply) =>
      runAction(reply, async () => (await deleteSkill(ctx, actingOf(request), idOf(request, 'Skill')), 'Skill deleted.'), TEAMS, (state) => teamList(request, reply, state)),
    );
    // A rename refused (an empty name, another skill's) shows the list again with the message.
    admin.post<{ Params: { id: string } }>(`${SKILLS}:id/`, { preHandler: app.csrfProtection }, async (request: IdRequest, reply) =>
      runAction(reply, async () => {
        const id = await renameSkill(ctx, actingOf(request), idOf(request, 'Skill'), formBody(request.body));
        return `Skill renamed to “${(await listSkills(db)).find((s) => s.id === id)?.name ?? ''}”.`;
      }, `${TEAMS}#skills`, (state) => teamList(request, reply, state)),
    );

    admin.get(TOPICS, async (request, reply) => {
      const [topics, teams, skills, agents] = await Promise.all([listTopics(db), listTeams(db), listSkills(db), agentChoices(db)]);
      const active = new Set(agents.filter((a) => a.active === 1).map((a) => a.username));
      return sendHtml(reply, renderPage(TopicListPage({ ...base(request, reply, {}), topics, teams, skills, active })));
    });
    editable(
      TOPICS,
      'Topic',
      ['skills'],
      topicPage,
      async (request, id, edit) => {
        const skills = await listSkills(db);
        const topicId = await saveTopic(ctx, actingOf(request), (stored) => {
          const merged = stored ? edit.merge(topicEditForm(skills), topicFormValues(stored, skills)) : null;
          return checkTopic(topicFromForm(merged ? topicBodyOf(merged) : edit.body, skills));
        }, id);
        return `Topic “${(await listTopics(db, topicId))[0]?.name ?? ''}” ${id === null ? 'created' : 'saved'}.`;
      },
      (actor, id) => deleteTopic(ctx, actor, id),
    );
  });
}
