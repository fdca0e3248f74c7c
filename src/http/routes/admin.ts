import { actingOf } from '../acting.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, invalidInput, notFound } from '../../core/errors.js';
import { SHOWN_DAMAGED, SHOWN_FIELD, shownOf } from '../../core/formMerge.js';
import { dispositionOf } from '../../core/attachments.js';
import { mailFilename } from '../../core/mailFiles.js';
import { agentTeamsFromForm, agentTeamsOver, keptFormValues } from '../../core/teamForm.js';
import { parseId, referenceOf } from '../../core/tickets.js';
import { parseMail } from '../../mail/inbound/parse.js';
import { highlightWords } from '../../core/search.js';
import { correctedText, correctQuery } from '../../core/searchTypos.js';
import { findEmail, listEmailsPage, listEventsPage, listTicketsPage, listUsersPage } from '../../repositories/adminLists.js';
import { activeAgentChoices } from '../../repositories/adminUsers.js';
import { timelineOf } from '../../repositories/events.js';
import { findInboundMail } from '../../repositories/inbound.js';
import { listInboundPage } from '../../repositories/inboundLog.js';
import { emailsOfTicket, outboxBacklog } from '../../repositories/outbox.js';
import { firstCorrected } from '../../repositories/searchTypos.js';
import { loadSettings } from '../../repositories/settings.js';
import { countPending, findTicketById, openTicketsOf } from '../../repositories/tickets.js';
import { ticketsByIds } from '../../repositories/ticketQueries.js';
import { listSkills, listTeams } from '../../repositories/teams.js';
import { findUserById } from '../../repositories/users.js';
import { changeCapacity, deactivateUser, reactivateUser, reassignTicket, requeueTicket } from '../../services/admin.js';
import { changeProfile } from '../../services/auth.js';
import type { ServiceContext } from '../../services/context.js';
import { retryUndeliveredEmail } from '../../services/outbox.js';
import { createApiTokenFromForm, listApiTokens, revokeApiToken } from '../../services/tokens.js';
import { FORM_KEY_FIELD, formKeyOf } from '../../core/formReceipts.js';
import { setAgentTeamsAndSkills } from '../../services/teams.js';
import { resetSecondFactor } from '../../services/twoFactor.js';
import { resetOutcomeMessage } from '../../core/twoFactor.js';
import { closeTicket } from '../../services/tickets.js';
import {
  AdminIndexPage,
  EmailDetailPage,
  EmailListPage,
  EventListPage,
  InboundListPage,
  InboundMailPage,
  type OriginalMail,
  TicketDetailPage,
  type TicketListCorrection,
  TicketListPage,
  UserDetailPage,
  UserListPage,
} from '../../views/admin/index.js';
import type { FormErrors, FormValues } from '../../views/components.js';
import type { Flash } from '../../views/layout.js';
import { renderPage } from '../../views/render.js';
import { setFlash, takeFlash } from '../flash.js';
import { formBody, keptValues, newFormKey, sendHtml } from '../forms.js';
import { adminOnly, SESSION_COOKIE } from '../session.js';
import { parseEmailQuery, parseEventQuery, parseInboundQuery, parseTicketQuery, parseUserQuery, type Query, withKnownNames } from './adminFilters.js';
import { FILE_HEADERS } from './attachments.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** An agent's teams and skills as the user page's boxes show them (comma lists of names). */
function agentTeamsOf(username: string, teams: readonly { name: string; members: readonly string[] }[], skills: readonly { name: string; agents: readonly string[] }[]) {
  return { teams: teams.filter((t) => t.members.includes(username)).map((t) => t.name).join(','), skills: skills.filter((k) => k.agents.includes(username)).map((k) => k.name).join(',') };
}

/** The id of a detail URL; anything but a positive whole number is a 404. */
function idParam(request: IdRequest, what: string): number {
  const raw = request.params.id;
  const id = parseId(raw);
  if (id === null) throw notFound(what);
  return id;
}

/** A refused admin action (bad input, conflict): shown on the page it came from, not as an error page. */
function refusal(error: unknown): DomainError | null {
  return error instanceof DomainError && (error.code === 'invalid_input' || error.code === 'conflict') ? error : null;
}

const statusOf = (error: DomainError) => (error.code === 'conflict' ? 409 : 400);

/**
 * The data browser (§1 `/admin/`): tickets, users, events, emails and inbound mail (§10), each a
 * filtered list with keyset pages and a detail page; the actions are R6 (reassign, send back to the
 * queue), closing, capacity, deactivation, and retrying a failed email (or one only logged, once
 * this server has a mail server: `canSendMail`). Admin only; every POST checks the CSRF token.
 */
export function adminRoutes(app: FastifyInstance, ctx: ServiceContext, options: { idleMinutes: number; canSendMail: boolean }): void {
  const db = ctx.handle.db;

  app.register(async (admin) => {
    adminOnly(admin);

    const base = (request: FastifyRequest, reply: FastifyReply, flash: Flash | null = takeFlash(request, reply)) => ({ viewer: request.viewer!, csrf: reply.generateCsrf(), flash });

    admin.get('/admin/', async (request, reply) => {
      const [pending, outbox] = await Promise.all([countPending(db), outboxBacklog(ctx.handle, ctx.clock.now())]);
      return sendHtml(reply, renderPage(AdminIndexPage({ ...base(request, reply), pending, failedEmails: outbox.failed, bouncedEmails: outbox.bounced })));
    });

    // -- lists ---------------------------------------------------------------------------------

    admin.get('/admin/tickets/', async (request, reply) => {
      const parsed = await withKnownNames(db, parseTicketQuery(request.query as Query));
      const ok = Object.keys(parsed.errors).length === 0;
      const now = ctx.clock.now();
      let page = ok ? await listTicketsPage(db, parsed.filter, now, parsed.page) : { rows: [], nextAfter: null, prevBefore: null };
      let { values } = parsed;
      let search = parsed.filter.search ?? null;
      let corrected: TicketListCorrection | null = null;
      // Nothing found on a first page: misspelt words corrected (README, "Search"), unless `exact=1`.
      const first = parsed.page.after === undefined && parsed.page.before === undefined;
      if (search !== null && page.rows.length === 0 && first && (request.query as Query).exact !== '1') {
        const typed = search;
        const retried = await firstCorrected(db, typed, async (attempt) => {
          const found = await listTicketsPage(db, { ...parsed.filter, search: attempt }, now, parsed.page);
          return found.rows.length > 0 ? found : null;
        }, (found) => found.rows.map((row) => row.id));
        if (retried !== null) {
          page = retried.found;
          search = correctQuery(typed, retried.corrections);
          const q = correctedText(values.q ?? '', retried.corrections);
          corrected = { typed: values.q ?? '', shown: q, exactHref: `/admin/tickets/?${new URLSearchParams({ ...values, exact: '1' }).toString()}` };
          // The pager goes on with the corrected search.
          values = { ...values, q };
        }
      }
      const words = highlightWords(search);
      return sendHtml(reply, renderPage(TicketListPage({ ...base(request, reply), page, values, errors: parsed.errors, now, words, corrected })), ok ? 200 : 400);
    });

    admin.get('/admin/users/', async (request, reply) => {
      const parsed = await withKnownNames(db, parseUserQuery(request.query as Query));
      const ok = Object.keys(parsed.errors).length === 0;
      const [page, settings] = await Promise.all([ok ? listUsersPage(db, parsed.filter, parsed.page) : { rows: [], nextAfter: null, prevBefore: null }, loadSettings(db)]);
      return sendHtml(reply, renderPage(UserListPage({ ...base(request, reply), page, values: parsed.values, errors: parsed.errors, defaultCapacity: settings.defaultCapacity })), ok ? 200 : 400);
    });

    admin.get('/admin/events/', async (request, reply) => {
      const parsed = await withKnownNames(db, parseEventQuery(request.query as Query));
      const ok = Object.keys(parsed.errors).length === 0;
      const page = ok ? await listEventsPage(db, parsed.filter, parsed.page) : { rows: [], nextAfter: null, prevBefore: null };
      return sendHtml(reply, renderPage(EventListPage({ ...base(request, reply), page, values: parsed.values, errors: parsed.errors })), ok ? 200 : 400);
    });

    admin.get('/admin/emails/', async (request, reply) => {
      const parsed = await withKnownNames(db, parseEmailQuery(request.query as Query));
      const ok = Object.keys(parsed.errors).length === 0;
      const page = ok ? await listEmailsPage(db, parsed.filter, parsed.page) : { rows: [], nextAfter: null, prevBefore: null };
      return sendHtml(reply, renderPage(EmailListPage({ ...base(request, reply), page, values: parsed.values, errors: parsed.errors })), ok ? 200 : 400);
    });

    admin.get('/admin/inbound/', async (request, reply) => {
      const parsed = parseInboundQuery(request.query as Query);
      const ok = Object.keys(parsed.errors).length === 0;
      const page = ok ? await listInboundPage(db, parsed.filter, parsed.page) : { rows: [], nextAfter: null, prevBefore: null };
      return sendHtml(reply, renderPage(InboundListPage({ ...base(request, reply), page, values: parsed.values, errors: parsed.errors })), ok ? 200 : 400);
    });

    // -- tickets -------------------------------------------------------------------------------

    const ticketPage = async (request: FastifyRequest, reply: FastifyReply, id: number, flash?: Flash, status = 200) => {
      const ticket = await findTicketById(db, id);
      if (!ticket) throw notFound('Ticket');
      const settings = await loadSettings(db);
      const [agent, timeline, emails, agents, [named]] = await Promise.all([
        ticket.agent_id === null ? Promise.resolve(undefined) : findUserById(db, ticket.agent_id),
        timelineOf(db, id),
        emailsOfTicket(db, id),
        activeAgentChoices(db, settings.defaultCapacity),
        ticketsByIds(db, [id]),
      ]);
      const names = { team: named?.team_name ?? null, topic: named?.topic_name ?? null };
      const page = TicketDetailPage({ ...base(request, reply, flash ?? takeFlash(request, reply)), ticket, names, agent: agent ?? null, timeline, emails, agents, now: ctx.clock.now() });
      return sendHtml(reply, renderPage(page), status);
    };

    admin.get('/admin/tickets/:id/', async (request: IdRequest, reply) => ticketPage(request, reply, idParam(request, 'Ticket')));

    /** Runs a ticket action; a refusal re-renders the ticket with the reason, success redirects. */
    const ticketAction = async (request: IdRequest, reply: FastifyReply, action: (id: number) => Promise<Flash>) => {
      const id = idParam(request, 'Ticket');
      try {
        setFlash(reply, await action(id));
        return reply.redirect(`/admin/tickets/${id}/`, 303);
      } catch (error) {
        const refused = refusal(error);
        if (!refused) throw error;
        const message = Object.values(refused.fields)[0] ?? refused.message;
        return ticketPage(request, reply, id, { kind: 'error', message }, statusOf(refused));
      }
    };

    admin.post<{ Params: { id: string } }>('/admin/tickets/:id/reassign/', { preHandler: app.csrfProtection }, async (request: IdRequest, reply) =>
      ticketAction(request, reply, async (id) => {
        const agent = String(formBody(request.body).agent ?? '');
        const outcome = await reassignTicket(ctx, actingOf(request), id, agent);
        return outcome.changed
          ? { kind: 'success', message: `${referenceOf(id)} is now with ${outcome.agentName}. The customer has been told.` }
          : { kind: 'info', message: `${referenceOf(id)} is already with ${outcome.agentName}.` };
      }),
    );

    admin.post<{ Params: { id: string } }>('/admin/tickets/:id/requeue/', { preHandler: app.csrfProtection }, async (request: IdRequest, reply) =>
      ticketAction(request, reply, async (id) => {
        const before = await findTicketById(db, id);
        const outcome = await requeueTicket(ctx, actingOf(request), id);
        const ref = referenceOf(id);
        if (!outcome.changed) return { kind: 'info', message: `${ref} is already waiting in the queue.` };
        if (outcome.agentId === null) return { kind: 'success', message: `${ref} is back in the queue; no agent has room right now.` };
        if (outcome.agentId === before?.agent_id) {
          return { kind: 'info', message: `${ref} went back to the queue, but only its agent ${outcome.agentName} had room, so routing gave it straight back. Reassign it to a named agent instead.` };
        }
        return { kind: 'success', message: `${ref} went back to the queue and was routed at once to ${outcome.agentName}.` };
      }),
    );

    admin.post<{ Params: { id: string } }>('/admin/tickets/:id/close/', { preHandler: app.csrfProtection }, async (request: IdRequest, reply) =>
      ticketAction(request, reply, async (id) => {
        const closed = await closeTicket(ctx, { ...actingOf(request), role: request.viewer!.role }, id);
        return closed ? { kind: 'success', message: `${referenceOf(id)} is closed. The customer has been told.` } : { kind: 'info', message: `${referenceOf(id)} was already closed.` };
      }),
    );

    // -- users ---------------------------------------------------------------------------------

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

    // -- emails --------------------------------------------------------------------------------

    admin.get('/admin/emails/:id/', async (request: IdRequest, reply) => {
      const email = await findEmail(db, idParam(request, 'Email'));
      if (!email) throw notFound('Email');
      return sendHtml(reply, renderPage(EmailDetailPage({ ...base(request, reply), email, canSend: options.canSendMail })));
    });

    admin.post<{ Params: { id: string } }>('/admin/emails/:id/retry/', { preHandler: app.csrfProtection }, async (request: IdRequest, reply) => {
      const id = idParam(request, 'Email');
      const outcome = await retryUndeliveredEmail(ctx, id, { canSend: options.canSendMail, by: actingOf(request) });
      setFlash(
        reply,
        outcome.retried
          ? { kind: 'success', message: `Email #${id} is queued again.` }
          : outcome.refused === 'needs_mail_server'
            ? { kind: 'error', message: `Email #${id} was only logged, and this server has no mail server either (SMTP_URL is unset): set SMTP_URL, then send it.` }
            : { kind: 'info', message: `Email #${id} has not failed (${outcome.status}); nothing to retry.` },
      );
      return reply.redirect(`/admin/emails/${id}/`, 303);
    });

    // -- inbound mail --------------------------------------------------------------------------

    // The original, read again from the raw message (§10: headers and the whole text, never cut).
    admin.get('/admin/inbound/:id/', async (request: IdRequest, reply) => {
      const { raw, ...mail } = (await findInboundMail(db, idParam(request, 'Mail'))) ?? notFoundMail();
      const parsed = await parseMail(raw);
      const original: OriginalMail = {
        headers: [...parsed.headers].flatMap(([name, values]) => values.map((value): [string, string] => [name, value])),
        text: parsed.text,
        files: parsed.files.map((f, i) => ({ filename: mailFilename(f.filename, i, f.contentType), contentType: f.contentType, size: f.content.length })),
      };
      return sendHtml(reply, renderPage(InboundMailPage({ ...base(request, reply), mail: { ...mail, kept: raw.length }, original })));
    });

    // The raw message as received: a file to save, never a page (nosniff, sandboxed, attachment).
    admin.get('/admin/inbound/:id/raw.eml', async (request: IdRequest, reply) => {
      const mail = (await findInboundMail(db, idParam(request, 'Mail'))) ?? notFoundMail();
      return reply
        .headers(FILE_HEADERS)
        .header('content-type', 'message/rfc822')
        .header('content-disposition', dispositionOf('message/rfc822', `mail-${mail.id}.eml`))
        .send(mail.raw);
    });
  });
}

function notFoundMail(): never {
  throw notFound('Mail');
}
