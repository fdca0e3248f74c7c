/**
 * A ticket's thread through the API (§8, §9): read it a page at a time, write a reply or a note.
 * Staff see notes (they are staff); the customer never reaches these routes. Visibility is the
 * ticket's: an agent its own and pending tickets, an admin all; any other ticket is a 404.
 */
import { actingOf } from '../../acting.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { validateStaffMessage } from '../../../core/conversation.js';
import type { AttachmentRow, MessageRow } from '../../../db/schema.js';
import { attachmentsOfMessages } from '../../../repositories/attachments.js';
import { authorUsernames, threadPage } from '../../../repositories/messages.js';
import type { ServiceContext } from '../../../services/context.js';
import { postStaffMessage, StaleReply } from '../../../services/conversation.js';
import { apiUserOf } from '../../api-auth.js';
import { errorResponses } from '../../api-schemas.js';
import { Message, MessageList, MessageListQuery, NewMessage, StaleOrConflict } from '../../api-schemas-messages.js';
import { ReferenceParams } from '../../api-schemas-tickets.js';
import { decodeCursor, messageJson, pageOf, staleJson } from '../../api-shapes.js';
import { visibleTicket } from './tickets.js';

const security = [{ bearerAuth: [] }];

/** A page's attachments by message id, in upload order. */
function byMessage(attachments: readonly AttachmentRow[]): Map<number, AttachmentRow[]> {
  const grouped = new Map<number, AttachmentRow[]>();
  for (const a of attachments) grouped.set(a.message_id, [...(grouped.get(a.message_id) ?? []), a]);
  return grouped;
}

/** Thread routes; behind requireBearer. */
export function messageApiRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = ctx.handle.db;

  r.get(
    '/tickets/:reference/messages',
    {
      schema: {
        tags: ['messages'],
        summary: "A ticket's thread",
        description:
          'Oldest first, notes included (staff see them). The first message is the ticket\'s description. ' +
          'Follow `next_cursor` until it is null to read the whole thread; a cursor keeps working as the thread grows.',
        security,
        params: ReferenceParams,
        querystring: MessageListQuery,
        response: { 200: MessageList.describe('One page of the thread'), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const ticket = await visibleTicket(ctx, apiUserOf(request), request.params.reference);
      const { limit, cursor } = request.query;
      // One query per page for each of messages, files and writers: never one per message.
      const rows = await threadPage(db, ticket.id, { publicOnly: false, afterId: cursor === undefined ? undefined : decodeCursor(cursor), limit: limit + 1 });
      const shown = rows.slice(0, limit);
      const [attachments, usernames] = await Promise.all([
        attachmentsOfMessages(db, shown.map((m) => m.id)),
        authorUsernames(db, shown.flatMap((m) => (m.author_id === null ? [] : [m.author_id]))),
      ]);
      const files = byMessage(attachments);
      const usernameOf = (m: MessageRow) => (m.author_id === null ? null : (usernames.get(m.author_id) ?? null));
      return pageOf(rows, limit, (m) => messageJson(m, usernameOf(m), files.get(m.id) ?? [], ctx.publicUrl));
    },
  );

  r.post(
    '/tickets/:reference/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'Reply to the customer, or add an internal note',
        description:
          'A `reply` is emailed to the customer and waits on the customer; only the ticket\'s agent or an admin may reply, ' +
          'and only while the ticket is open (a closed ticket: 409 `conflict`). With `close: true` the reply also closes the ' +
          'ticket (R4) and the customer gets one email saying so. A `note` is internal: any staff member who sees the ticket ' +
          'may add one, also on a closed ticket; it is never emailed or shown to the customer.\n\n' +
          'Collisions: send `seen`, the newest message id you have read. If a newer public message exists, the reply is not ' +
          'sent: 409 `stale` with `newest_message_id`; read it, then post again with `seen` set to it to confirm. ' +
          'Notes are never held back.\n\n' +
          'Files cannot be attached through the API in this version: a body with `attachments` is refused (400).',
        security,
        params: ReferenceParams,
        body: NewMessage,
        response: {
          201: Message.describe('The message as written'),
          ...errorResponses(400, 401, 403, 404, 413, 415),
          409: StaleOrConflict.describe('Not written: `stale` (a newer public message exists; see `newest_message_id`) or `conflict` (a reply to a closed ticket)'),
        },
      },
    },
    async (request, reply) => {
      const viewer = apiUserOf(request);
      const ticket = await visibleTicket(ctx, viewer, request.params.reference);
      const input = validateStaffMessage(request.body);
      try {
        const posted = await postStaffMessage(ctx, { ...actingOf(request), role: viewer.role }, ticket.id, { ...input, channel: 'api' });
        return reply.status(201).send(messageJson(posted.message, viewer.username, posted.attachments, ctx.publicUrl));
      } catch (error) {
        // The stale answer names the message to read, which the generic error shape has no room for.
        if (error instanceof StaleReply) return reply.status(409).send(staleJson(error.message, error.newestPublicId));
        throw error;
      }
    },
  );
}
