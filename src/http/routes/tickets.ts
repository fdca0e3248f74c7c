import { ccsOfTickets } from '../../repositories/ticketCcs.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CUSTOMER_BODY_MAX, validateCustomerMessage } from '../../core/conversation.js';
import { expiredFormNotice, farTooLongMessage, limitedFormNotice } from '../../core/staleForms.js';
import { DomainError, invalidInput } from '../../core/errors.js';
import { DESCRIPTION_MAX, NEW_TICKET_LABELS, parseId, referenceOf } from '../../core/tickets.js';
import { customerStatusPath } from '../links.js';
import { isUnattendedMailbox } from '../../core/mailboxes.js';
import type { TicketRow } from '../../db/schema.js';
import { attachmentsOfMessages } from '../../repositories/attachments.js';
import { timelineOf } from '../../repositories/events.js';
import { newestPublicMessageId, threadPage } from '../../repositories/messages.js';
import { findTicketById, findTicketByToken, followUpsOf } from '../../repositories/tickets.js';
import { findUserById } from '../../repositories/users.js';
import { anyoneInFor } from '../../services/attention.js';
import type { ServiceContext } from '../../services/context.js';
import { postCustomerMessageOn } from '../../services/conversation.js';
import type { TicketIntake } from '../../services/intake.js';
import { renderPage } from '../../views/render.js';
import { listTopicChoices } from '../../repositories/topics.js';
import { TicketCreatePage, TicketStatusPage, TicketSuccessPage } from '../../views/tickets.js';
import type { FormErrors, FormValues } from '../../views/components.js';
import { setFlash, takeFlash } from '../flash.js';
import { EXPIRED_FORM_STATUS, type ExpiredFormPage, formBody, type TooLongFormPage, keptValues, newFormKey, sendHtml } from '../forms.js';
import { FORM_KEY_FIELD, formKeyOf } from '../../core/formReceipts.js';
import { anyoneMayUpload, filesChosen, type IncomingFile, readForm } from '../uploads.js';
import type { RouteLimits } from '../app.js';
import { heldRefusal, holdingRefusal } from '../rateLimits.js';

const TICKET_FIELDS = ['name', 'email', 'title', 'description', 'priority', 'topic'] as const;

/** Customer pages: the form, the confirmation, the status page (§1). */
export function ticketRoutes(app: FastifyInstance, ctx: ServiceContext, limits: RouteLimits, intake: TicketIntake): void {
  app.get('/', async (_request, reply) => reply.redirect('/tickets/create/', 302));

  const createForm = async (reply: FastifyReply, form: { values: FormValues; errors: FormErrors; notice?: string }, status = 200) => {
    const page = TicketCreatePage({ ...form, csrf: reply.generateCsrf(), formKey: newFormKey(), topics: await listTopicChoices(ctx.handle.db) });
    return sendHtml(reply, renderPage(page), status);
  };
  app.get('/tickets/create/', async (_request, reply) => createForm(reply, { values: {}, errors: {} }));

  // An expired form (its CSRF cookie ended with the browser session) comes back filled in, to send again.
  const expiredForm: ExpiredFormPage = (request, reply) =>
    createForm(reply, { values: keptValues(formBody(request.body), TICKET_FIELDS), errors: {}, notice: expiredFormNotice('request', filesChosen(request)) }, EXPIRED_FORM_STATUS);

  // A description far over its limit (over what a form field may carry: a pasted log) comes back the same way, its start kept to shorten.
  const tooLongForm: TooLongFormPage = (request, reply, field) => {
    const label = NEW_TICKET_LABELS[field as keyof typeof NEW_TICKET_LABELS] ?? field;
    const message = field === 'description' ? farTooLongMessage(label, DESCRIPTION_MAX) : `${label}: far longer than we accept.`;
    return createForm(reply, { values: keptValues(formBody(request.body), TICKET_FIELDS), errors: { [field]: message } }, 413);
  };

  app.post('/tickets/create/', { onRequest: holdingRefusal(limits.ticketCreation), preHandler: app.csrfProtection, config: { expiredForm, tooLongForm, takesFiles: anyoneMayUpload } }, async (request, reply) => {
    // Files that break §10.1 come back as the form with its message (413 or 400), like bad fields.
    const body = formBody(request.body);
    const refused = heldRefusal(request);
    if (refused) return createForm(reply, { values: keptValues(body, TICKET_FIELDS), errors: {}, notice: limitedFormNotice(refused.message, 'request', filesChosen(request)) }, 429);
    try {
      const { fields, files } = await readForm(request);
      const ticket = await intake.submit(fields, { files, formKey: formKeyOf(fields[FORM_KEY_FIELD]) });
      return reply.redirect(`/tickets/createsuccess/?t=${encodeURIComponent(ticket.token)}`, 303);
    } catch (error) {
      if (!(error instanceof DomainError) || (error.code !== 'invalid_input' && error.code !== 'payload_too_large')) throw error;
      return createForm(reply, { values: keptValues(body, TICKET_FIELDS), errors: error.fields }, error.code === 'payload_too_large' ? 413 : 400);
    }
  });

  app.get<{ Querystring: { t?: string } }>('/tickets/createsuccess/', async (request, reply) => {
    const token = typeof request.query.t === 'string' ? request.query.t : '';
    const ticket = token ? await findTicketByToken(ctx.handle.db, token) : undefined;
    if (!ticket) throw new DomainError('not_found', 'We could not find that request. Check the link in your confirmation email.');
    const agent = ticket.agent_id === null ? undefined : await findUserById(ctx.handle.db, ticket.agent_id);
    const teamIn = agent !== undefined || (await anyoneInFor(ctx.handle.db, ticket, ctx.clock.now()));
    // Like the status page: the confirmation holds the status link and the customer's address.
    reply.header('cache-control', 'no-store');
    return sendHtml(reply, renderPage(TicketSuccessPage({ ticket, agentName: agent?.display_name ?? null, teamIn, now: ctx.clock.now() })));
  });

  app.get<{ Params: { token: string }; Querystring: { before?: string } }>('/tickets/status/:token/', async (request, reply) => {
    const ticket = await statusTicket(ctx, request.params.token);
    const before = pageBefore(request.query.before);
    return sendStatusPage(ctx, request, reply, ticket, { before });
  });

  // The reply form's address, opened as a page (a copied address bar after a refused message, a
  // reload declined): the request's page, where the form is.
  app.get<{ Params: { token: string } }>('/tickets/status/:token/reply/', async (request, reply) => reply.redirect(customerStatusPath(request.params.token), 303));

  // A customer's message (§9). Counted with ticket creations (one count per address): a message to
  // a closed request creates a ticket too, and either way it is the same kind of abuse to limit.
  // An expired form comes back on the request's page with the message kept, like a refused one.
  const expiredReply: ExpiredFormPage = async (request, reply) => {
    const ticket = await statusTicket(ctx, (request.params as { token: string }).token);
    const values = keptValues(formBody(request.body), ['body']);
    return sendStatusPage(ctx, request, reply, ticket, { values, notice: expiredFormNotice('message', filesChosen(request)), status: EXPIRED_FORM_STATUS });
  };
  // A message far over its limit (over what a form field may carry) comes back the same way, its start kept to shorten.
  const tooLongReply: TooLongFormPage = async (request, reply) => {
    const ticket = await statusTicket(ctx, (request.params as { token: string }).token);
    const values = keptValues(formBody(request.body), ['body']);
    return sendStatusPage(ctx, request, reply, ticket, { values, errors: { body: farTooLongMessage('Your message', CUSTOMER_BODY_MAX) }, status: 413 });
  };
  // Files come only for a request the link names: another link is its 404 before anything is read.
  const replyUploads = async (request: FastifyRequest) => {
    await statusTicket(ctx, (request.params as { token: string }).token);
    return true;
  };
  app.post<{ Params: { token: string } }>('/tickets/status/:token/reply/', { onRequest: holdingRefusal(limits.ticketCreation), preHandler: app.csrfProtection, config: { expiredForm: expiredReply, tooLongForm: tooLongReply, takesFiles: replyUploads } }, async (request, reply) => {
    const ticket = await statusTicket(ctx, request.params.token);
    const refused = heldRefusal(request);
    if (refused) {
      const values = keptValues(formBody(request.body), ['body']);
      return sendStatusPage(ctx, request, reply, ticket, { values, notice: limitedFormNotice(refused.message, 'message', filesChosen(request)), status: 429 });
    }
    const received = await customerMessageForm(request);
    if ('errors' in received) return sendStatusPage(ctx, request, reply, ticket, received);
    const result = await postCustomerMessageOn(ctx, ticket.id, { ...received, channel: 'web', formKey: formKeyOf(formBody(request.body)[FORM_KEY_FIELD]) });
    // The same form sent again (a double click): it lands where the first one's message is.
    if (result.kind === 'sent_before' && result.on.id !== ticket.id) {
      setFlash(reply, { kind: 'success', message: `Your message is on ${referenceOf(result.on.id)}, which follows ${referenceOf(ticket.id)}. We answer here and by email.` });
      return reply.redirect(customerStatusPath(result.on.token), 303);
    }
    if (result.kind !== 'follow_up' && result.kind !== 'added_to_follow_up') {
      setFlash(reply, { kind: 'success', message: 'Your message is added to your request. We answer here and by email.' });
      return reply.redirect(customerStatusPath(ticket.token), 303);
    }
    // Closed: the conversation goes on in the follow-up, so that is where the customer lands.
    const followUp = result.followUp;
    setFlash(reply, {
      kind: 'success',
      message:
        result.kind === 'added_to_follow_up'
          ? `${referenceOf(ticket.id)} is closed, so your message is added to its follow-up, ${referenceOf(followUp.id)}, which is still open. We answer here and by email.`
          : `${referenceOf(ticket.id)} was closed, so your message opened this new request, ${referenceOf(followUp.id)}. ${followUpLinkSent(followUp.customer_email)}`,
    });
    return reply.redirect(customerStatusPath(followUp.token), 303);
  });
}

/**
 * Where the link of a new follow-up went. Its created email is automatic, and automatic emails
 * never go to a mailbox nobody reads (SPEC §5): the page must not say it was emailed then, as the
 * confirmation page does not (views/tickets.tsx).
 */
function followUpLinkSent(customerEmail: string): string {
  return isUnattendedMailbox(customerEmail)
    ? `We send no automatic emails to ${customerEmail}: it looks like a mailbox nobody reads. Keep this page’s link to follow your request.`
    : 'We emailed you its link.';
}

/**
 * The reply form, multipart or not: the message and its files (§10.1), or what to show again —
 * every problem at once (the text and the files), the text kept; 413 when the files are too many
 * or too large, else 400. A browser cannot be handed files back, so those are chosen again.
 */
async function customerMessageForm(request: FastifyRequest): Promise<{ body: string; files: IncomingFile[] } | Required<Omit<StatusPageState, 'before' | 'notice'>>> {
  const fields = formBody(request.body);
  const errors: FormErrors = {};
  let status = 400;
  let files: IncomingFile[] = [];
  try {
    files = (await readForm(request)).files;
  } catch (error) {
    if (!(error instanceof DomainError) || (error.code !== 'invalid_input' && error.code !== 'payload_too_large')) throw error;
    Object.assign(errors, Object.keys(error.fields).length > 0 ? error.fields : { attachments: error.message });
    if (error.code === 'payload_too_large') status = 413;
  }
  let body = '';
  try {
    body = validateCustomerMessage(fields).body;
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'invalid_input') throw error;
    Object.assign(errors, error.fields);
  }
  if (Object.keys(errors).length > 0) return { values: keptValues(fields, ['body']), errors, status };
  return { body, files };
}


async function statusTicket(ctx: ServiceContext, token: string): Promise<TicketRow> {
  const ticket = await findTicketByToken(ctx.handle.db, token);
  if (!ticket) throw new DomainError('not_found', 'We could not find that request. Check the link in your email.');
  return ticket;
}

/** `?before=<message id>`: the page of the thread before that message; absent: the newest page. */
function pageBefore(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const id = parseId(raw);
  if (id === null) throw invalidInput({ before: 'Not a message id.' }, 'That link to earlier messages is broken. Open the request from the link in your email.');
  return id;
}

/** How many messages a page of the status page's thread shows (a long thread opens at its end). */
export const STATUS_THREAD_PAGE = 50;

interface StatusPageState {
  before?: number | undefined;
  values?: FormValues;
  errors?: FormErrors;
  notice?: string;
  status?: number;
}

/** The status page: the ticket, its public thread (a page of it), follow-ups, timeline and reply form. */
async function sendStatusPage(ctx: ServiceContext, request: FastifyRequest, reply: FastifyReply, ticket: TicketRow, state: StatusPageState): Promise<FastifyReply> {
  const db = ctx.handle.db;
  const [agent, timeline, page, original, followUps, newestElsewhere, copied] = await Promise.all([
    ticket.agent_id === null ? undefined : findUserById(db, ticket.agent_id),
    timelineOf(db, ticket.id),
    // One more than a page tells whether older messages exist.
    threadPage(db, ticket.id, { publicOnly: true, newest: true, limit: STATUS_THREAD_PAGE + 1, ...(state.before === undefined ? {} : { beforeId: state.before }) }),
    ticket.follow_up_of === null ? undefined : findTicketById(db, ticket.follow_up_of),
    followUpsOf(db, ticket.id),
    // An older page does not hold the newest message, which data-version needs.
    state.before === undefined ? undefined : newestPublicMessageId(db, ticket.id),
    ccsOfTickets(db, [ticket.id]).then((ccs) => ccs.get(ticket.id) ?? []),
  ]);
  const messages = page.length > STATUS_THREAD_PAGE ? page.slice(1) : page;
  const attachments = await attachmentsOfMessages(db, messages.map((m) => m.id));
  const newestMessageId = newestElsewhere === undefined ? (messages.at(-1)?.id ?? null) : newestElsewhere;
  const thread = { messages, attachments, earlierBefore: page.length > STATUS_THREAD_PAGE ? messages[0]!.id : null, olderPage: state.before !== undefined };
  reply.header('cache-control', 'no-store');
  const view = TicketStatusPage({
    ticket,
    agentName: agent?.display_name ?? null,
    timeline,
    now: ctx.clock.now(),
    thread,
    original: original ?? null,
    followUps,
    copied,
    newestMessageId,
    csrf: reply.generateCsrf(),
    formKey: newFormKey(),
    flash: takeFlash(request, reply),
    ...(state.values ? { values: state.values } : {}),
    ...(state.errors ? { errors: state.errors } : {}),
    ...(state.notice ? { notice: state.notice } : {}),
  });
  return sendHtml(reply, renderPage(view), state.status ?? 200);
}
