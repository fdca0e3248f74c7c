/**
 * The staff side of conversations (§9): the ticket page `/agents/tickets/<id>/` with its thread and
 * reply form, the form's POST, and the original of a message that came by mail (§10). An agent sees
 * its own and the pending tickets, an admin all; any other ticket does not exist for the viewer
 * (404, as in the API), nor do its messages' originals.
 */
import { ccsOfTickets } from '../../repositories/ticketCcs.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkMayWrite, maySee, type MoveAway, movedAwayText, STAFF_BODY_MAX, type StaffMessageInput, type Writer } from '../../core/conversation.js';
import { farTooLongMessage } from '../../core/staleForms.js';
import { DomainError, invalidInput, notFound } from '../../core/errors.js';
import { parseId, referenceOf } from '../../core/tickets.js';
import type { TicketRow } from '../../db/schema.js';
import { attachmentsOfMessages, type IncomingFile } from '../../repositories/attachments.js';
import { listCannedReplies } from '../../repositories/cannedReplies.js';
import { lastMoveAwayFrom } from '../../repositories/events.js';
import { threadPage } from '../../repositories/messages.js';
import { messageWithMail } from '../../repositories/originalMail.js';
import { bouncedEmailsOfTicket } from '../../repositories/outbox.js';
import { findTicketById, followUpsOf } from '../../repositories/tickets.js';
import { ticketsByIds } from '../../repositories/ticketQueries.js';
import { findUserById } from '../../repositories/users.js';
import { composeStaffMessage } from '../../services/cannedReplies.js';
import type { ServiceContext } from '../../services/context.js';
import { postStaffMessage, StaleReply } from '../../services/conversation.js';
import { removeCopiedPerson } from '../../services/ticketCcs.js';
import { actingOf } from '../acting.js';
import type { FormErrors, FormValues } from '../../views/components.js';
import type { Flash } from '../../views/layout.js';
import { headerOf, parseMail } from '../../mail/inbound/parse.js';
import { MailOriginalPage } from '../../views/mailOriginal.js';
import { MovedAwayPage, NotSentPage } from '../../views/movedAway.js';
import { renderPage } from '../../views/render.js';
import { StaffTicketPage } from '../../views/ticket.js';
import { setFlash, takeFlash } from '../flash.js';
import { formBody, keptValues, newFormKey, sendHtml, staffTooLongForm } from '../forms.js';
import { FORM_KEY_FIELD, formKeyOf } from '../../core/formReceipts.js';
import { staffTicketPath } from '../links.js';
import { requireRole, staffMayPost } from '../session.js';
import { readForm } from '../uploads.js';

/** Messages per page: a long thread opens at its newest 50, with a link to the ones before. */
export const THREAD_PAGE = 50;

const DRAFT_FIELDS = ['body', 'kind', 'close', 'canned', 'seen'] as const;

type TicketRequest = FastifyRequest<{ Params: { id: string }; Querystring: { before?: string } }>;

/** How the page is shown: fresh, or again after a refused send with the writer's draft. */
interface FormState {
  draft: FormValues;
  errors: FormErrors;
  notice: string | null;
  newAfter: number | null;
  flash?: Flash | null;
}

const FRESH: FormState = { draft: {}, errors: {}, notice: null, newAfter: null };

/**
 * The files of the form, or what is wrong with them (too many, too large, a refused type): kept
 * aside so the page can show it by the field together with any other field's message.
 */
async function filesOf(request: FastifyRequest): Promise<{ files: IncomingFile[]; problem: DomainError | null }> {
  try {
    return { files: (await readForm(request)).files, problem: null };
  } catch (error) {
    if (error instanceof DomainError && (error.code === 'invalid_input' || error.code === 'payload_too_large')) return { files: [], problem: error };
    throw error;
  }
}

/** Whether this writer may reply here (else note only), by the same rule the service applies. */
function mayReply(writer: Writer, ticket: TicketRow): boolean {
  try {
    checkMayWrite(writer, { status: ticket.status, agentId: ticket.agent_id }, 'reply');
    return true;
  } catch (error) {
    if (error instanceof DomainError) return false;
    throw error;
  }
}

function ticketId(request: FastifyRequest<{ Params: { id: string } }>): number {
  const id = parseId(request.params.id);
  if (id === null) throw notFound('Ticket');
  return id;
}

export function conversationRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const db = ctx.handle.db;

  /** The ticket, when this viewer may see it; else it does not exist for them (404). */
  const visibleTicket = async (request: FastifyRequest, id: number): Promise<TicketRow> => {
    const viewer = request.viewer!;
    const ticket = await findTicketById(db, id);
    if (!ticket || !maySee({ id: viewer.id, role: viewer.role }, { status: ticket.status, agentId: ticket.agent_id })) throw notFound('Ticket');
    return ticket;
  };

  /**
   * For an agent who held ticket `id` and may no longer see it (moved to another agent, or back to
   * the queue and taken): the page saying where it went and who has it (403, not the 404 of a ticket
   * they never had), with `draft`, what they were sending, to copy. Null otherwise.
   */
  const movedAway = async (request: FastifyRequest, reply: FastifyReply, id: number, draft: string | null): Promise<FastifyReply | null> => {
    const viewer = request.viewer!;
    if (viewer.role !== 'agent') return null;
    const [ticket, move] = await Promise.all([findTicketById(db, id), lastMoveAwayFrom(db, id, viewer.id)]);
    if (!ticket || !move || maySee({ id: viewer.id, role: viewer.role }, { status: ticket.status, agentId: ticket.agent_id })) return null;
    const holder = ticket.agent_id === null ? undefined : await findUserById(db, ticket.agent_id);
    const text = movedAwayText(referenceOf(id), { type: move.type as MoveAway['type'], toName: move.to_name, actorName: move.actor_name, holderName: holder?.display_name ?? null });
    reply.header('cache-control', 'no-store');
    return sendHtml(reply, renderPage(MovedAwayPage({ viewer, csrf: reply.generateCsrf(), text, movedAt: move.at, draft })), 403);
  };
  const isNotFound = (error: unknown) => error instanceof DomainError && error.code === 'not_found';

  /** Renders the page: the newest page of the thread, or the page before `before`. */
  const showTicket = async (request: TicketRequest, reply: FastifyReply, id: number, before: number | undefined, form: FormState, status = 200) => {
    const viewer = request.viewer!;
    const writer: Writer = { id: viewer.id, role: viewer.role };
    const ticket = await visibleTicket(request, id);
    // One more than a page tells whether earlier messages exist without counting the thread.
    const [rows, agent, canned, followUps, bounced, copied, [named]] = await Promise.all([
      threadPage(db, id, { publicOnly: false, newest: true, limit: THREAD_PAGE + 1, ...(before === undefined ? {} : { beforeId: before }) }),
      ticket.agent_id === null ? Promise.resolve(undefined) : findUserById(db, ticket.agent_id),
      listCannedReplies(db),
      followUpsOf(db, id),
      bouncedEmailsOfTicket(db, id),
      ccsOfTickets(db, [id]).then((ccs) => ccs.get(id) ?? []),
      ticketsByIds(db, [id]),
    ]);
    const messages = rows.length > THREAD_PAGE ? rows.slice(1) : rows;
    const attachments = await attachmentsOfMessages(
      db,
      messages.map((m) => m.id),
    );
    reply.header('cache-control', 'no-store');
    const page = StaffTicketPage({
      viewer,
      csrf: reply.generateCsrf(),
      formKey: newFormKey(),
      flash: form.flash === undefined ? takeFlash(request, reply) : form.flash,
      ticket,
      agentName: agent?.display_name ?? null,
      teamName: named?.team_name ?? null,
      topicName: named?.topic_name ?? null,
      followUps,
      copied,
      bounced,
      messages,
      attachments,
      earlierBefore: rows.length > THREAD_PAGE ? messages[0]!.id : null,
      olderPage: before !== undefined,
      canned,
      mayReply: mayReply(writer, ticket),
      draft: form.draft,
      errors: form.errors,
      notice: form.notice,
      newAfter: form.newAfter,
      now: ctx.clock.now(),
    });
    return sendHtml(reply, renderPage(page), status);
  };

  app.register(async (staff) => {
    staff.addHook('preHandler', requireRole('agent', 'admin'));

    staff.get('/agents/tickets/:id/', async (request: TicketRequest, reply) => {
      const id = ticketId(request);
      let before: number | undefined;
      if (request.query.before !== undefined) {
        const parsed = parseId(request.query.before);
        if (parsed === null) throw invalidInput({ before: 'Not a message id.' }, 'This page of the conversation does not exist: `before` must be a message id.');
        before = parsed;
      }
      try {
        return await showTicket(request, reply, id, before, FRESH);
      } catch (error) {
        const moved = isNotFound(error) ? await movedAway(request, reply, id, null) : null;
        if (moved) return moved;
        throw error;
      }
    });

    staff.get('/agents/tickets/:id/messages/:messageId/original/', async (request: FastifyRequest<{ Params: { id: string; messageId: string } }>, reply) => {
      const id = ticketId(request);
      const ticket = await visibleTicket(request, id);
      const messageId = parseId(request.params.messageId);
      const found = messageId === null ? undefined : await messageWithMail(db, id, messageId);
      if (!found) throw notFound('Original mail');
      const parsed = await parseMail(found.mail.raw);
      reply.header('cache-control', 'no-store');
      const page = MailOriginalPage({
        viewer: request.viewer!,
        csrf: reply.generateCsrf(),
        flash: takeFlash(request, reply),
        ticket,
        ...found,
        parsed,
        header: headerOf(found.mail.raw).toString('utf8'),
      });
      return sendHtml(reply, renderPage(page));
    });

    // Takes a copied person (§10 Cc) off the ticket: its agent or an admin; 404 for a ticket the viewer cannot see.
    staff.post<{ Params: { id: string }; Querystring: { before?: string } }>('/agents/tickets/:id/copied/remove/', { preHandler: app.csrfProtection }, async (request: TicketRequest, reply) => {
      const id = ticketId(request);
      const viewer = request.viewer!;
      await visibleTicket(request, id);
      const { address, result } = await removeCopiedPerson(ctx, { id: viewer.id, role: viewer.role }, actingOf(request), id, formBody(request.body).address);
      const message = result === 'removed' ? `${address} is no longer copied on ${referenceOf(id)}.` : `${address} was not copied on ${referenceOf(id)}: nothing changed.`;
      setFlash(reply, { kind: result === 'removed' ? 'success' : 'info', message });
      return reply.redirect(staffTicketPath(id), 303);
    });

    // A reply or note far over its limit (over the 256 kB a form field may carry: a pasted log) is
    // refused before the route and its preHandlers run: it comes back as the ticket page (413) with
    // the limit by the field and the text's start to shorten, as the customer's forms do.
    const tooLongMessage = staffTooLongForm(['agent', 'admin'], async (request, reply, field) => {
      const id = ticketId(request as TicketRequest);
      const draft = keptValues(formBody(request.body), DRAFT_FIELDS);
      const message = field === 'body' ? farTooLongMessage('Message', STAFF_BODY_MAX) : `${field}: far longer than we accept.`;
      return showTicket(request as TicketRequest, reply, id, undefined, { draft, errors: { [field]: message }, notice: null, newAfter: null, flash: null }, 413);
    });

    // Files come only from staff: without a session, the login (as requireRole) before anything is read.
    const staffMayUpload = staffMayPost('agent', 'admin');
    staff.post<{ Params: { id: string }; Querystring: { before?: string } }>('/agents/tickets/:id/messages/', { preHandler: app.csrfProtection, config: { tooLongForm: tooLongMessage, takesFiles: staffMayUpload } }, async (request: TicketRequest, reply) => {
      const id = ticketId(request);
      const viewer = request.viewer!;
      const writer: Writer = { id: viewer.id, role: viewer.role };
      // Text fields of a multipart form are the body too (uploads.ts); the files come from readForm.
      const body = formBody(request.body);
      const { files, problem } = await filesOf(request);
      let input: StaffMessageInput | undefined;
      try {
        try {
          input = await composeStaffMessage(ctx, writer, id, body);
        } catch (error) {
          // Bad text and bad files are told together, each by its field.
          if (problem && error instanceof DomainError && error.code === 'invalid_input') throw invalidInput({ ...error.fields, ...problem.fields });
          throw error;
        }
        if (problem) throw problem;
        const posted = await postStaffMessage(ctx, { ...writer, ...actingOf(request) }, id, { ...input, channel: 'web', files, formKey: formKeyOf(body[FORM_KEY_FIELD]) });
        const reference = referenceOf(id);
        const message =
          posted.sentBefore
            ? `This ${input.kind === 'note' ? 'note' : 'reply'} was sent already (the form was sent twice): nothing more was sent.`
            : input.kind === 'note'
            ? `Note added to ${reference}. The customer does not see it.`
            : posted.closed
              ? `Reply sent and ${reference} closed. The customer gets one email.`
              : `Reply sent to the customer of ${reference}.`;
        // The ticket page's script forgets the draft it kept for this ticket (ticket-page.js).
        setFlash(reply, { kind: 'success', message, event: 'message-sent' });
        return reply.redirect(staffTicketPath(id), 303);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        if (isNotFound(error)) {
          const unsent = typeof body.body === 'string' && body.body.trim() !== '' ? body.body : null;
          const moved = await movedAway(request, reply, id, unsent);
          if (moved) return moved;
          // A ticket never theirs (a pending one another agent took meanwhile), or none: still 404, the text kept.
          if (unsent !== null) return sendHtml(reply.header('cache-control', 'no-store'), renderPage(NotSentPage({ viewer, csrf: reply.generateCsrf(), reference: referenceOf(id), draft: unsent })), 404);
        }
        const draft = keptValues(body, DRAFT_FIELDS);
        if (error.code === 'invalid_input' || error.code === 'payload_too_large') {
          if (error.fields.seen) delete draft.seen;
          const status = error.code === 'payload_too_large' ? 413 : 400;
          // The file field's hint says to pick the files again (a browser cannot put them back).
          return showTicket(request, reply, id, undefined, { draft, errors: error.fields, notice: null, newAfter: null, flash: null }, status);
        }
        // A refusal without field errors says it in its notice.
        const notice = files.length > 0 ? `${error.message} The files you chose were not sent: pick them again.` : error.message;
        if (error instanceof StaleReply) {
          // Shown again with what arrived marked; `seen` moves on to the newest shown, so sending
          // the same draft again confirms it.
          delete draft.seen;
          return showTicket(request, reply, id, undefined, { draft, errors: {}, notice, newAfter: input!.seen, flash: null }, 409);
        }
        // Closed (409) or no longer the writer's to answer (403: sent back to the queue meanwhile):
        // the page as it is now, which offers notes only, with the draft kept.
        if (error.code === 'conflict' || error.code === 'forbidden') {
          delete draft.seen;
          return showTicket(request, reply, id, undefined, { draft, errors: {}, notice, newAfter: null, flash: null }, error.code === 'conflict' ? 409 : 403);
        }
        throw error;
      }
    });
  });
}
