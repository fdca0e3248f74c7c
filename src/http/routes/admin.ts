import { actingOf } from '../acting.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound } from '../../core/errors.js';
import { dispositionOf } from '../../core/attachments.js';
import { mailFilename } from '../../core/mailFiles.js';
import { referenceOf } from '../../core/tickets.js';
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
import { countPending, findTicketById } from '../../repositories/tickets.js';
import { ticketsByIds } from '../../repositories/ticketQueries.js';
import { findUserById } from '../../repositories/users.js';
import { reassignTicket, requeueTicket } from '../../services/admin.js';
import { withUnattendedKinds } from '../../services/attention.js';
import type { ServiceContext } from '../../services/context.js';
import { retryUndeliveredEmail } from '../../services/outbox.js';
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
  UserListPage,
} from '../../views/admin/index.js';
import type { Flash } from '../../views/layout.js';
import { renderPage } from '../../views/render.js';
import { setFlash, takeFlash } from '../flash.js';
import { formBody, sendHtml } from '../forms.js';
import { adminOnly } from '../session.js';
import { parseEmailQuery, parseEventQuery, parseInboundQuery, parseTicketQuery, parseUserQuery, type Query, withKnownNames } from './adminFilters.js';
import { type IdRequest, idParam, pageBase as base, refusal, statusOf } from './adminPages.js';
import { FILE_HEADERS } from './attachments.js';

/**
 * The data browser (§1 `/admin/`): tickets, users, events, emails and inbound mail (§10), each a
 * filtered list with keyset pages and a detail page; the actions are R6 (reassign, send back to the
 * queue), closing, and retrying a failed email (or one only logged, once this server has a mail
 * server: `canSendMail`). A user's page and its actions (capacity, deactivation…) are in
 * routes/adminUsers.ts. Admin only; every POST checks the CSRF token.
 */
export function adminRoutes(app: FastifyInstance, ctx: ServiceContext, options: { canSendMail: boolean }): void {
  const db = ctx.handle.db;

  app.register(async (admin) => {
    adminOnly(admin);

    admin.get('/admin/', async (request, reply) => {
      const [pending, outbox] = await Promise.all([countPending(db), outboxBacklog(ctx.handle, ctx.clock.now())]);
      return sendHtml(reply, renderPage(AdminIndexPage({ ...base(request, reply), pending, failedEmails: outbox.failed, bouncedEmails: outbox.bounced })));
    });

    // -- lists ---------------------------------------------------------------------------------

    admin.get('/admin/tickets/', async (request, reply) => {
      const parsed = await withKnownNames(db, parseTicketQuery(request.query as Query));
      const ok = Object.keys(parsed.errors).length === 0;
      const now = ctx.clock.now();
      const filter = ok ? await withUnattendedKinds(db, parsed.filter, now) : parsed.filter;
      let page = ok ? await listTicketsPage(db, filter, now, parsed.page) : { rows: [], nextAfter: null, prevBefore: null };
      let { values } = parsed;
      let search = filter.search ?? null;
      let corrected: TicketListCorrection | null = null;
      // Nothing found on a first page: misspelt words corrected (README, "Search"), unless `exact=1`.
      const first = parsed.page.after === undefined && parsed.page.before === undefined;
      if (search !== null && page.rows.length === 0 && first && (request.query as Query).exact !== '1') {
        const typed = search;
        const retried = await firstCorrected(db, typed, async (attempt) => {
          const found = await listTicketsPage(db, { ...filter, search: attempt }, now, parsed.page);
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
