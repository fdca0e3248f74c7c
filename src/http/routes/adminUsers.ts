import { actingOf } from '../acting.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, invalidInput, notFound } from '../../core/errors.js';
import { SHOWN_DAMAGED, SHOWN_FIELD, shownOf } from '../../core/formMerge.js';
import { FORM_KEY_FIELD, formKeyOf } from '../../core/formReceipts.js';
import { agentTeamsFromForm, agentTeamsOver, keptFormValues } from '../../core/teamForm.js';
import { parseId } from '../../core/tickets.js';
import { resetOutcomeMessage } from '../../core/twoFactor.js';
import { loadSettings } from '../../repositories/settings.js';
import { listSkills, listTeams } from '../../repositories/teams.js';
import { openTicketsOf } from '../../repositories/tickets.js';
import { findUserById } from '../../repositories/users.js';
import { changeCapacity, deactivateUser, reactivateUser } from '../../services/admin.js';
import { changeProfile } from '../../services/auth.js';
import type { ServiceContext } from '../../services/context.js';
import { setAgentTeamsAndSkills } from '../../services/teams.js';
import { createApiTokenFromForm, listApiTokens, revokeApiToken } from '../../services/tokens.js';
import { resetSecondFactor } from '../../services/twoFactor.js';
import { UserDetailPage } from '../../views/admin/index.js';
import type { FormErrors, FormValues } from '../../views/components.js';
import type { Flash } from '../../views/layout.js';
import { renderPage } from '../../views/render.js';
import { setFlash, takeFlash } from '../flash.js';
import { formBody, keptValues, newFormKey, sendHtml } from '../forms.js';
import { adminOnly, SESSION_COOKIE } from '../session.js';
import { type IdRequest, idParam, pageBase as base, refusal, statusOf } from './adminPages.js';

/** An agent's teams and skills as the user page's boxes show them (comma lists of names). */
function agentTeamsOf(username: string, teams: readonly { name: string; members: readonly string[] }[], skills: readonly { name: string; agents: readonly string[] }[]) {
  return { teams: teams.filter((t) => t.members.includes(username)).map((t) => t.name).join(','), skills: skills.filter((k) => k.agents.includes(username)).map((k) => k.name).join(',') };
}

/**
 * The data browser's user pages (§1 `/admin/users/<id>/`; their list is with the others in
 * routes/admin.ts): a user's detail and its actions: capacity, profile and password, teams and
 * skills, resetting the second factor, deactivation and reactivation, API tokens. Admin only;
 * every POST checks the CSRF token.
 */
export function adminUserRoutes(app: FastifyInstance, ctx: ServiceContext, options: { idleMinutes: number }): void {
  const db = ctx.handle.db;

  app.register(async (admin) => {
    adminOnly(admin);

    const userPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      id: number,
      form: { values?: FormValues; errors?: FormErrors; flash?: Flash; status?: number; newToken?: { name: string; token: string } } = {},
    ) => {
      const user = await findUserById(db, id);
      if (!user) throw notFound('User');
      const [settings, openTickets, tokens, teams, skills] = await Promise.all([
        loadSettings(db),
        user.role === 'agent' ? openTicketsOf(db, id) : Promise.resolve([]),
        listApiTokens(ctx, id),
        listTeams(db),
        listSkills(db),
      ]);
      const values = form.values ?? { capacity: user.capacity === null ? '' : String(user.capacity) };
      const page = UserDetailPage({
        ...base(request, reply, form.flash ?? takeFlash(request, reply)),
        user,
        openTickets,
        tokens,
        newToken: form.newToken,
        formKey: newFormKey(),
        teams: teams.map((t) => t.name),
        skills: skills.map((k) => k.name),
        held: form.values?.teams !== undefined ? { teams: form.values.teams, skills: form.values.skills ?? '' } : agentTeamsOf(user.username, teams, skills),
        // What the teams form shows as stored now: its save changes only what the admin changes (core/teamForm.ts agentTeamsOver).
        heldShown: agentTeamsOf(user.username, teams, skills),
        defaultCapacity: settings.defaultCapacity,
        values,
        errors: form.errors ?? {},
        now: ctx.clock.now(),
      });
      return sendHtml(reply, renderPage(page), form.status ?? 200);
    };

    admin.get('/admin/users/:id/', async (request: IdRequest, reply) => userPage(request, reply, idParam(request, 'User')));

    const userAction = async (request: IdRequest, reply: FastifyReply, action: (id: number) => Promise<Flash>) => {
      const id = idParam(request, 'User');
      try {
        setFlash(reply, await action(id));
        return reply.redirect(`/admin/users/${id}/`, 303);
      } catch (error) {
        const refused = refusal(error);
        if (!refused) throw error;
        const body = formBody(request.body);
        // The refused form's typed values come back (never a password).
        const typed = Object.entries(keptFormValues(body)).filter(([name]) => ['capacity', 'display_name', 'email', 'teams', 'skills'].includes(name));
        const values = typed.length > 0 ? (Object.fromEntries(typed) as FormValues) : undefined;
        return userPage(request, reply, id, { ...(values ? { values } : {}), errors: refused.fields, flash: { kind: 'error', message: refused.message }, status: statusOf(refused) });
      }
    };

    admin.post<{ Params: { id: string } }>('/admin/users/:id/capacity/', { preHandler: app.csrfProtection }, async (request: IdRequest, reply) =>
      userAction(request, reply, async (id) => {
        const capacity = await changeCapacity(ctx, actingOf(request), id, formBody(request.body).capacity);
        return { kind: 'success', message: capacity === null ? 'Capacity set to the default.' : `Capacity set to ${capacity}.` };
      }),
    );

    admin.post<{ Params: { id: string } }>('/admin/users/:id/profile/', { preHandler: app.csrfProtection }, async (request: IdRequest, reply) =>
      userAction(request, reply, async (id) => {
        const actor = { ...actingOf(request), token: request.cookies[SESSION_COOKIE] ?? '' };
        const { passwordChanged } = await changeProfile(ctx, actor, id, formBody(request.body), options.idleMinutes);
        const others = id === actor.id ? 'You stay logged in here; your other sessions ended.' : 'Their sessions ended: they log in with the new password.';
        return { kind: 'success', message: passwordChanged ? `Profile saved and password changed. ${others}` : 'Profile saved.' };
      }),
    );

    admin.post<{ Params: { id: string } }>('/admin/users/:id/teams/', { preHandler: app.csrfProtection, config: { formLists: ['teams', 'skills'] } }, async (request: IdRequest, reply) =>
      userAction(request, reply, async (id) => {
        const body = formBody(request.body);
        const shown = shownOf(body[SHOWN_FIELD]);
        if (shown === null) throw invalidInput({}, SHOWN_DAMAGED);
        await setAgentTeamsAndSkills(ctx, actingOf(request), id, (stored) => agentTeamsOver(agentTeamsFromForm(body), shown, stored));
        return { kind: 'success', message: 'Teams and skills saved.' };
      }),
    );

    admin.post<{ Params: { id: string } }>('/admin/users/:id/two-factor/reset/', { preHandler: app.csrfProtection }, async (request: IdRequest, reply) =>
      userAction(request, reply, async (id) => {
        const kept = { token: request.cookies[SESSION_COOKIE], idleMinutes: options.idleMinutes };
        const typed = formBody(request.body).reset_current_password;
        // The reset form's field has its own name (the profile form on the same page has `current_password`).
        const had = await resetSecondFactor(ctx, actingOf(request), id, kept, { channel: 'page', currentPassword: typed }).catch((error: unknown) => {
          if (error instanceof DomainError && error.fields.current_password !== undefined) throw invalidInput({ reset_current_password: error.fields.current_password }, error.message);
          throw error;
        });
        return { kind: had ? 'success' : 'info', message: resetOutcomeMessage(had) };
      }),
    );

    admin.post<{ Params: { id: string } }>('/admin/users/:id/deactivate/', { preHandler: app.csrfProtection }, async (request: IdRequest, reply) =>
      userAction(request, reply, async (id) => {
        const done = await deactivateUser(ctx, actingOf(request), id);
        return done
          ? { kind: 'success', message: 'Deactivated: logged out, and any open tickets went back to the queue and to other agents.' }
          : { kind: 'info', message: 'This account was already deactivated.' };
      }),
    );

    admin.post<{ Params: { id: string } }>('/admin/users/:id/reactivate/', { preHandler: app.csrfProtection }, async (request: IdRequest, reply) =>
      userAction(request, reply, async (id) => {
        const done = await reactivateUser(ctx, actingOf(request), id);
        return done ? { kind: 'success', message: 'Reactivated: they can log in again.' } : { kind: 'info', message: 'This account is already active.' };
      }),
    );

    // The new token is rendered in the answer itself (never in a redirect's flash cookie), once.
    admin.post<{ Params: { id: string } }>('/admin/users/:id/tokens/', { preHandler: app.csrfProtection }, async (request: IdRequest, reply) => {
      const id = idParam(request, 'User');
      const body = formBody(request.body);
      try {
        const created = await createApiTokenFromForm(ctx, id, String(body.name ?? ''), actingOf(request), formKeyOf(body[FORM_KEY_FIELD]));
        if ('made' in created) return await userPage(request, reply, id, { newToken: { name: created.made.name, token: created.made.token }, flash: { kind: 'success', message: 'API token created.' } });
        // The form sent again (a reload of the answer): no second token; the first was shown on its answer only.
        setFlash(reply, { kind: 'info', message: 'This form was already sent: its token was created then and shown once, on that answer. If it was not copied, revoke it and create another.' });
        return reply.redirect(`/admin/users/${id}/`, 303);
      } catch (error) {
        const refused = refusal(error);
        if (!refused) throw error;
        // The name typed comes back in its box (QA: a refused name was wiped).
        return userPage(request, reply, id, { values: keptValues(body, ['name']), errors: refused.fields, flash: { kind: 'error', message: Object.values(refused.fields)[0] ?? refused.message }, status: statusOf(refused) });
      }
    });

    admin.post<{ Params: { id: string; tokenId: string } }>('/admin/users/:id/tokens/:tokenId/revoke/', { preHandler: app.csrfProtection }, async (request, reply) => {
      const id = idParam(request, 'User');
      const tokenId = parseId(request.params.tokenId) ?? 0;
      const token = (await listApiTokens(ctx, id)).find((t) => t.id === tokenId);
      if (!token) throw notFound('API token');
      const revoked = await revokeApiToken(ctx, tokenId, actingOf(request));
      setFlash(reply, revoked ? { kind: 'success', message: `Token "${token.name}" is revoked: it no longer works.` } : { kind: 'info', message: 'That token was already revoked.' });
      return reply.redirect(`/admin/users/${id}/`, 303);
    });
  });
}
