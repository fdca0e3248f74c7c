/**
 * Stored files (§10.1), served by three routes with three ways in: staff by session, the API by
 * bearer token (registered by the API plugin, routes/api/index.ts), the customer through the
 * status token. Who may have which file is decided in
 * src/core/attachments.ts; whoever may not is told there is no such file (404).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { type AttachmentReader, dispositionOf, mayRead, servedTypeOf } from '../../core/attachments.js';
import { DomainError } from '../../core/errors.js';
import { parseId } from '../../core/tickets.js';
import { fileContent, findAttachment } from '../../repositories/attachments.js';
import { findTicketById, findTicketByToken } from '../../repositories/tickets.js';
import type { ServiceContext } from '../../services/context.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { apiUserOf } from '../api-auth.js';
import { ApiError, errorResponses } from '../api-schemas.js';
import { requireRole } from '../session.js';

/**
 * The headers every served file has. The file is never a page of this site: `nosniff` keeps the
 * browser to the served type, and the CSP gives a file that is opened anyway (a PDF viewer, a
 * direct visit) no scripts, no requests, and an origin of its own (sandbox). Decision: `private,
 * no-store`, since files are behind a session or a secret link: no proxy or shared browser keeps a
 * copy, at the price of fetching an image again on each view.
 */
export const FILE_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
  'cache-control': 'private, no-store',
};

// The name in the URL is the file's own (so a saved file and the address bar name it); its
// wildcard is not held to the router's 100-character limit on parameters, as long names are.
type NamedFile = { Params: { id: string; '*': string } };

/** The staff and customer routes of stored files (pages, not the API). */
export function attachmentRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get<NamedFile>('/agents/attachments/:id/*', { preHandler: requireRole('agent', 'admin') }, async (request, reply) => {
    const viewer = request.viewer!;
    return serveFile(ctx, reply, { staff: { id: viewer.id, role: viewer.role } }, request.params.id, request.params['*']);
  });

  app.get<NamedFile & { Params: { token: string } }>('/tickets/status/:token/attachments/:id/*', async (request, reply) => {
    const ticket = await findTicketByToken(ctx.handle.db, request.params.token);
    if (!ticket) throw noSuchFile();
    return serveFile(ctx, reply, { customerOfTicket: ticket.id }, request.params.id, request.params['*']);
  });
}

const AttachmentParams = z.object({ id: z.string().meta({ description: 'The attachment id, as in a message’s `attachments[].id`', example: '17' }) });

/**
 * The API's route (§8: bearer token, same visibility as the ticket), registered by the API plugin
 * behind requireBearer so that the OpenAPI document describes it. The answer is the file's bytes,
 * never serialised: the schema only documents them.
 */
export function attachmentApiRoutes(api: FastifyInstance, ctx: ServiceContext): void {
  api.withTypeProvider<ZodTypeProvider>().get(
    '/attachments/:id',
    {
      schema: {
        tags: ['messages'],
        summary: 'A file of a message',
        description:
          'The file as it was attached, with its content type (`application/octet-stream` for a type that could run in a browser) and a ' +
          '`Content-Disposition` naming it. Staff who see the ticket only: an agent its own and pending tickets, an admin all. A file ' +
          'the token may not see answers 404, as one that does not exist.',
        security: [{ bearerAuth: [] }],
        params: AttachmentParams,
        response: {
          200: { description: 'The file', content: { '*/*': { schema: z.string().meta({ format: 'binary' }) } } },
          ...errorResponses(401, 403),
          404: ApiError.describe('No such file, or it is on a ticket (or a note) the token may not see'),
        },
      },
    },
    async (request, reply) => {
      const user = apiUserOf(request);
      return serveFile(ctx, reply, { staff: { id: user.id, role: user.role } }, request.params.id, null);
    },
  );
}

/** Sends the file `id` (named `name`, when the URL names it) if the reader may have it; else 404. */
async function serveFile(ctx: ServiceContext, reply: FastifyReply, reader: AttachmentReader, rawId: string, name: string | null): Promise<FastifyReply> {
  const id = parseId(rawId);
  const file = id === null ? undefined : await findAttachment(ctx.handle.db, id);
  if (!file || (name !== null && name !== file.filename)) throw noSuchFile();
  const ticket = await findTicketById(ctx.handle.db, file.ticket_id);
  if (!ticket || !mayRead(reader, { ticketId: file.ticket_id, messageKind: file.message_kind }, { status: ticket.status, agentId: ticket.agent_id })) throw noSuchFile();
  const content = await fileContent(ctx.handle.db, file.file_sha256);
  if (!content) throw noSuchFile();
  return reply
    .headers(FILE_HEADERS)
    .header('content-type', servedTypeOf(file.content_type))
    .header('content-disposition', dispositionOf(file.content_type, file.filename))
    .send(content);
}

function noSuchFile(): DomainError {
  return new DomainError('not_found', 'There is no such file, or it is not yours to see.');
}
