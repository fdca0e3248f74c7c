/**
 * Canned replies (§9) at `/adminapp/replies/`: list and create, edit, delete. Admin only; every POST
 * checks the CSRF token; a refused save shows the form again with the admin's values and a message
 * by the field (400 bad input, 409 a name in use).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CANNED_REPLY_LABELS, STAFF_BODY_MAX } from '../../core/conversation.js';
import { DomainError, notFound } from '../../core/errors.js';
import { farTooLongMessage } from '../../core/staleForms.js';
import { parseId } from '../../core/tickets.js';
import { findCannedReply, listCannedReplies } from '../../repositories/cannedReplies.js';
import { removeCannedReply, saveCannedReply } from '../../services/cannedReplies.js';
import type { ServiceContext } from '../../services/context.js';
import type { FormErrors, FormValues } from '../../views/components.js';
import { renderPage } from '../../views/render.js';
import { CANNED_REPLY_FIELDS, CannedReplyEditPage, CannedReplyListPage } from '../../views/replies.js';
import { setFlash, takeFlash } from '../flash.js';
import { formBody, keptValues, sendHtml, staffTooLongForm } from '../forms.js';
import { actingOf } from '../acting.js';
import { adminOnly, staffMayPost } from '../session.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const LIST = '/adminapp/replies/';

/** A save refused for what the admin typed (bad input, a name in use): shown on the form. */
function refusal(error: unknown): DomainError | null {
  return error instanceof DomainError && (error.code === 'invalid_input' || error.code === 'conflict') ? error : null;
}

function replyId(request: IdRequest): number {
  const id = parseId(request.params.id);
  if (id === null) throw notFound('Canned reply');
  return id;
}

export function cannedReplyRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const db = ctx.handle.db;

  const listPage = async (request: FastifyRequest, reply: FastifyReply, values: FormValues, errors: FormErrors, status = 200) => {
    const replies = await listCannedReplies(db);
    const flash = status === 200 ? takeFlash(request, reply) : null;
    return sendHtml(reply, renderPage(CannedReplyListPage({ viewer: request.viewer!, csrf: reply.generateCsrf(), flash, replies, values, errors })), status);
  };

  const editPage = async (request: IdRequest, reply: FastifyReply, id: number, values: FormValues | null, errors: FormErrors, status = 200) => {
    const found = await findCannedReply(db, id);
    if (!found) throw notFound('Canned reply');
    const flash = status === 200 ? takeFlash(request, reply) : null;
    const page = CannedReplyEditPage({ viewer: request.viewer!, csrf: reply.generateCsrf(), flash, reply: found, values: values ?? { name: found.name, body: found.body }, errors });
    return sendHtml(reply, renderPage(page), status);
  };

  // A text far over its limit (over the 256 kB a form field may carry: a pasted document) is
  // refused before the route runs: the form comes back (413) with the limit by the field and the
  // text's start to shorten, as a staff reply does (the forms post as multipart for it).
  const tooLongMessage = (field: string) => ({ [field]: field === 'body' ? farTooLongMessage(CANNED_REPLY_LABELS.body!, STAFF_BODY_MAX) : `${CANNED_REPLY_LABELS[field] ?? field}: far longer than we accept.` });
  const tooLongNew = staffTooLongForm(['admin'], (request, reply, field) => listPage(request, reply, keptValues(formBody(request.body), CANNED_REPLY_FIELDS), tooLongMessage(field), 413));
  const tooLongEdit = staffTooLongForm(['admin'], (request, reply, field) =>
    editPage(request as IdRequest, reply, replyId(request as IdRequest), keptValues(formBody(request.body), CANNED_REPLY_FIELDS), tooLongMessage(field), 413),
  );

  // The forms post as multipart (for the 413 form above), so their bodies are read only for an
  // admin's session (uploads.ts: other routes refuse multipart unread). They have no file input: a
  // file sent anyway is read with the form and never used.
  const adminMayPost = staffMayPost('admin');

  app.register(async (admin) => {
    adminOnly(admin);

    admin.get(LIST, async (request, reply) => listPage(request, reply, {}, {}));

    admin.post(LIST, { preHandler: app.csrfProtection, config: { tooLongForm: tooLongNew, takesFiles: adminMayPost } }, async (request, reply) => {
      const body = formBody(request.body);
      try {
        await saveCannedReply(ctx, null, body, actingOf(request));
        setFlash(reply, { kind: 'success', message: `Canned reply “${String(body.name).trim()}” added. Agents can pick it now.` });
        return reply.redirect(LIST, 303);
      } catch (error) {
        const refused = refusal(error);
        if (!refused) throw error;
        return listPage(request, reply, keptValues(body, CANNED_REPLY_FIELDS), refused.fields, refused.code === 'conflict' ? 409 : 400);
      }
    });

    admin.get('/adminapp/replies/:id/', async (request: IdRequest, reply) => editPage(request, reply, replyId(request), null, {}));

    admin.post<{ Params: { id: string } }>('/adminapp/replies/:id/', { preHandler: app.csrfProtection, config: { tooLongForm: tooLongEdit, takesFiles: adminMayPost } }, async (request: IdRequest, reply) => {
      const id = replyId(request);
      const body = formBody(request.body);
      try {
        await saveCannedReply(ctx, id, body, actingOf(request));
        setFlash(reply, { kind: 'success', message: `Canned reply “${String(body.name).trim()}” saved.` });
        return reply.redirect(LIST, 303);
      } catch (error) {
        const refused = refusal(error);
        if (!refused) throw error;
        return editPage(request, reply, id, keptValues(body, CANNED_REPLY_FIELDS), refused.fields, refused.code === 'conflict' ? 409 : 400);
      }
    });

    admin.post<{ Params: { id: string } }>('/adminapp/replies/:id/delete/', { preHandler: app.csrfProtection }, async (request: IdRequest, reply) => {
      const id = replyId(request);
      const found = await findCannedReply(db, id);
      const removed = await removeCannedReply(ctx, id, actingOf(request));
      setFlash(reply, removed ? { kind: 'success', message: `Canned reply “${found?.name ?? id}” deleted.` } : { kind: 'info', message: 'That canned reply was already deleted.' });
      return reply.redirect(LIST, 303);
    });
  });
}
