/**
 * Forms with files (§10.1). A multipart form is read up front (a preValidation hook), so it then
 * looks like any urlencoded form: its text fields become `request.body`, which the CSRF check
 * (`_csrf`), the NUL check and `formBody` read as usual. Its files wait for the route, which asks
 * for them with `readForm`; a limit broken on the way is only reported there, so the route can show
 * its form again (413 or 400, the other values kept) instead of a bare error page.
 *
 * Nobody gets a body read who may not send it. Only a route whose config names `takesFiles` reads
 * one: any other refuses a multipart body at once with 415, unread. A route that takes files first
 * asks `takesFiles` (the session, the request's link) before reading a byte, and checks the CSRF
 * token when the first file begins: the token must come before the files, as our forms put it (a
 * browser sends the fields in the form's order). A body refused so is left unread and the
 * connection closed after the answer, which goes out while the client is still sending.
 *
 * Every other request body is read to its end before the answer, up to DRAIN_LIMIT_BYTES: a server
 * that answers "too large" and closes while the client is still sending makes the client see a
 * broken connection (EPIPE, ECONNRESET) instead of the answer.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ATTACHMENTS_FIELD, checkAttachments, type FileFacts, MAX_FILE_BYTES, MAX_FILES, MAX_MESSAGE_BYTES, storedContentType } from '../core/attachments.js';
import { DomainError, invalidInput } from '../core/errors.js';
import { sizeInWords } from '../core/fileSize.js';
import type { IncomingFile } from '../repositories/attachments.js';
import { formBody } from './forms.js';

export type { IncomingFile } from '../repositories/attachments.js';

/**
 * The most of a refused body that is still read (and thrown away) so the client gets its answer.
 * Past it the answer is sent at once and the connection closed: nobody is owed a polite 413 for
 * 64 MB.
 */
export const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/** A form as the route sees it: text fields (a string, or strings for a repeated name) and files. */
export interface ReceivedForm {
  fields: Record<string, unknown>;
  files: IncomingFile[];
}

interface ParsedMultipart extends ReceivedForm {
  /** The first limit or rule the files broke; reported by readForm. */
  problem: DomainError | null;
}

const parsed = new WeakMap<FastifyRequest, ParsedMultipart>();

/** Requests whose body is refused unread: it is not drained, the connection closes after the answer. */
const leftUnread = new WeakSet<FastifyRequest>();

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * This route takes files (multipart forms): who may send them, asked before any of the body is
     * read. False when it has answered (a login page), or it throws the refusal (404); the body is
     * then never read. Routes without it refuse a multipart body with 415, unread.
     */
    takesFiles?: (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>;
  }
}

/** `takesFiles` of a public form (the customer's ticket form): anyone, the CSRF token still first. */
export const anyoneMayUpload = async (): Promise<boolean> => true;

/** What a route that takes no files answers to a multipart body (415, unread). */
export const NO_FILES_HERE = 'This address takes no files: send its form without them (application/x-www-form-urlencoded).';

/**
 * A text field longer than a form field may be (the app's form limit, 256 kB): the form is refused
 * before its route runs (413). The fields read, the long one cut there, are the request's body by
 * then, so a route with `config.tooLongForm` (forms.ts) can show its form again with the text.
 */
export class LongFieldRefusal extends DomainError {
  constructor(readonly field: string) {
    super('payload_too_large', 'A field of this form is longer than we accept.', { [field]: 'This is longer than we accept.' });
  }
}

/**
 * Registers @fastify/multipart with §10.1's limits and reads every multipart body before the
 * route's own hooks. `fieldBytes` bounds one text field (the urlencoded body limit of the app).
 */
export async function installUploads(app: FastifyInstance, { fieldBytes }: { fieldBytes: number }): Promise<void> {
  await app.register(fastifyMultipart, {
    // A file over its limit is cut off and flagged (`truncated`) rather than failing the stream,
    // so the rest of the body is still read and the route can answer with its form.
    throwFileSizeLimit: false,
    // The name as sent, path included: `../x` is refused with a message (core/attachments.ts)
    // rather than quietly cut to `x`. Browsers send the bare name anyway.
    preservePath: true,
    // No `files` limit of the parser's own: it stopped reading at the eleventh file, so the fields
    // after the file input ("Reply and close") were lost from the form shown again. The count is
    // checkAttachments' (413, as before); `parts` still bounds the whole form.
    limits: { fileSize: MAX_FILE_BYTES, fieldSize: fieldBytes, fields: 50, parts: MAX_FILES + 50 },
  });
  app.addHook('preValidation', async (request, reply) => {
    if (!request.isMultipart()) return;
    const mayUpload = request.routeOptions.config.takesFiles;
    // Nothing is read until someone is found who may send it.
    leaveUnread(request, reply);
    // No route here: its 404 (or redirect to the address with its slash) answers.
    if (request.is404) return;
    if (!mayUpload) throw Object.assign(new Error(NO_FILES_HERE), { statusCode: 415, code: 'HD_NO_FILES' });
    if (!(await mayUpload(request, reply))) return reply;
    leftUnread.delete(request);
    reply.removeHeader('connection');
    const form = await parseMultipart(request, reply);
    parsed.set(request, form);
    request.body = form.fields;
  });
}

/** The body stays unread: never drained, the connection closed after the answer. */
function leaveUnread(request: FastifyRequest, reply: FastifyReply): void {
  leftUnread.add(request);
  reply.header('connection', 'close');
}

/**
 * Whether the request's multipart body was refused unread (errors.ts then answers without draining
 * it, and closes): by this hook, or before it (the API takes no multipart body: its 415).
 */
export function refusedUnread(request: FastifyRequest): boolean {
  // By the header: the API removed the parser that marks a request multipart.
  const multipartBody = /^\s*multipart\//i.test(request.headers['content-type'] ?? '');
  return multipartBody && (leftUnread.has(request) || !parsed.has(request));
}

/**
 * The form of a POST: urlencoded or multipart. Files come only from the field `attachments`;
 * an empty file input (an empty part with no file name) is no file. Throws `payload_too_large`
 * (413) or `invalid_input` (400, field `attachments`) when the files break §10.1; nothing has been
 * written by then.
 */
export async function readForm(request: FastifyRequest): Promise<ReceivedForm> {
  const form = parsed.get(request);
  if (!form) return { fields: formBody(request.body), files: [] };
  if (form.problem) throw form.problem;
  return { fields: form.fields, files: form.files };
}

/** Whether the form came with files (kept or refused): a form shown again must ask for them again. */
export function filesChosen(request: FastifyRequest): boolean {
  const form = parsed.get(request);
  return form !== undefined && (form.files.length > 0 || form.problem !== null);
}

async function parseMultipart(request: FastifyRequest, reply: FastifyReply): Promise<ParsedMultipart> {
  // Not worth reading at all: the error handler answers and closes (see drainRequest).
  if (Number(request.headers['content-length']) > DRAIN_LIMIT_BYTES) {
    throw new DomainError('payload_too_large', `This form is larger than we accept (${sizeInWords(MAX_MESSAGE_BYTES)} of files at most).`);
  }
  const stopAtBound = boundReading(request.raw);
  const fields: Record<string, unknown> = {};
  const facts: FileFacts[] = [];
  const files: IncomingFile[] = [];
  // A broken body or an over-long text field answers at once; what is wrong with the files waits
  // for the route (readForm), which shows its form again.
  let refused: DomainError | null = null;
  let filesProblem: DomainError | null = null;
  let total = 0;
  let tokenChecked = false;
  let tokenRefusal: Error | null = null;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.valueTruncated) refused ??= new LongFieldRefusal(part.fieldname);
        addField(fields, part.fieldname, part.value);
        continue;
      }
      // The first file: no byte of it is read before the token (among the fields before it) holds.
      if (!tokenChecked) {
        tokenChecked = true;
        tokenRefusal = await csrfRefusal(request, reply, fields);
        if (tokenRefusal) break;
      }
      // Every file is read to its end (busboy only moves on then), the unwanted ones into nothing.
      // Only the message's own files count towards its limit: bytes under another name counted
      // too once cut a later attachment short, stored empty while its size passed the check.
      const wanted = part.fieldname === ATTACHMENTS_FIELD;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of part.file as AsyncIterable<Buffer>) {
        if (!wanted) continue;
        size += chunk.length;
        total += chunk.length;
        // Bytes past a limit are not kept: the message is refused anyway.
        if (total <= MAX_MESSAGE_BYTES) chunks.push(chunk);
      }
      if (!wanted) continue;
      if (part.filename === '' && size === 0) continue;
      // busboy stops at the limit: a cut-off file is larger than it, by how much is unknown.
      if (part.file.truncated) size = Math.max(size, MAX_FILE_BYTES + 1);
      // The declared type as a media type, or octet-stream (a NUL or 300 characters failed the write on PostgreSQL).
      const contentType = storedContentType(part.mimetype);
      facts.push({ filename: part.filename, contentType, size });
      files.push({ filename: part.filename, contentType, content: Buffer.concat(chunks) });
    }
  } catch (error) {
    refused ??= multipartProblem(error);
  } finally {
    stopAtBound();
  }
  if (tokenRefusal) {
    // Stop reading: the answer (the route's form again, errors.ts) goes out and the connection closes.
    request.raw.unpipe();
    request.raw.pause();
    leaveUnread(request, reply);
    request.body = fields;
    parsed.set(request, { fields, files: [], problem: tokenRefusal instanceof DomainError ? tokenRefusal : invalidInput({}, tokenRefusal.message) });
    throw tokenRefusal;
  }
  await drainRequest(request.raw, reply);
  if (refused instanceof LongFieldRefusal) request.body = fields;
  if (refused) throw refused;
  try {
    if (!filesProblem) checkAttachments(facts);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    filesProblem = error;
  }
  return { fields, files: filesProblem ? [] : files, problem: filesProblem };
}

/**
 * The CSRF check's refusal of the token among `fields`, or null: the route's own check
 * (@fastify/csrf-protection's csrfProtection), which answers a refusal itself; here it is handed a
 * reply that only reads the secret cookie and hands the refusal back, so reading can stop first.
 */
function csrfRefusal(request: FastifyRequest, reply: FastifyReply, fields: Record<string, unknown>): Promise<Error | null> {
  request.body = fields;
  return new Promise((resolve) => {
    const asking = {
      unsignCookie: (value: string) => reply.unsignCookie(value),
      send: (refusal: Error) => resolve(refusal),
    } as unknown as FastifyReply;
    request.server.csrfProtection(request, asking, () => resolve(null));
  });
}

/** A repeated name collects its values in order, as the urlencoded parser does. */
function addField(fields: Record<string, unknown>, name: string, value: unknown): void {
  const before = fields[name];
  if (before === undefined) fields[name] = value;
  else if (Array.isArray(before)) before.push(value);
  else fields[name] = [before, value];
}

/** What the multipart parser's errors mean for the person who sent the form. */
function multipartProblem(error: unknown): DomainError {
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') return new DomainError('payload_too_large', 'This form has more parts than we accept.');
  return invalidInput({}, 'This form could not be read: the upload was broken or cut off. Please send it again.');
}

/**
 * Stops a body without a declared length (chunked) from being read past DRAIN_LIMIT_BYTES: the
 * connection is dropped there. Returns the function that stops counting.
 */
function boundReading(raw: IncomingMessage): () => void {
  let seen = 0;
  const count = (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_LIMIT_BYTES) raw.destroy();
  };
  raw.on('data', count);
  return () => raw.off('data', count);
}

/**
 * Reads what is left of a request body and throws it away, up to DRAIN_LIMIT_BYTES, so the answer
 * reaches a client that is still sending. When more is left, the answer goes out at once and the
 * connection is closed. True when the body was read to its end.
 */
export async function drainRequest(raw: IncomingMessage, reply: FastifyReply): Promise<boolean> {
  if (raw.readableEnded) return true;
  if (raw.destroyed || Number(raw.headers['content-length']) > DRAIN_LIMIT_BYTES) {
    reply.header('connection', 'close');
    return false;
  }
  raw.unpipe();
  let seen = 0;
  const ended = once(raw, 'end').then(() => true, () => false);
  const tooMuch = new Promise<boolean>((resolve) => {
    raw.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > DRAIN_LIMIT_BYTES) resolve(false);
    });
  });
  const closed = once(raw, 'close').then(() => raw.readableEnded);
  raw.resume();
  const drained = await Promise.race([ended, tooMuch, closed]);
  if (!drained) {
    raw.pause();
    reply.header('connection', 'close');
  }
  return drained;
}
