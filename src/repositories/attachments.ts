/**
 * Attachment files (§10.1): contents stored once per SHA-256 in `files`, named per message in
 * `attachments`. Reading a file's bytes is separate from listing, so lists never load contents.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/connect.js';
import type { AttachmentRow } from '../db/schema.js';

/** A file as received, before it is stored. */
export interface IncomingFile {
  filename: string;
  contentType: string;
  content: Buffer;
}

export function sha256Of(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Files for one message, as storeFilesOfMessages takes them. */
export interface MessageFiles {
  messageId: number;
  ticketId: number;
  files: readonly IncomingFile[];
}

type HashedFile = IncomingFile & { sha256: string };

/**
 * Stores files on a message, in the caller's transaction: each distinct content once (a second
 * upload of the same bytes only adds its name), then one attachment row per file, in order.
 */
export async function storeAttachments(db: Db, messageId: number, ticketId: number, files: readonly IncomingFile[], now: number): Promise<AttachmentRow[]> {
  return (await storeFilesOfMessages(db, [{ messageId, ticketId, files }], now))[0]!;
}

/**
 * storeAttachments for several messages written in one transaction (new tickets committed
 * together): the contents of all of them first, in one statement, then each message's rows.
 *
 * The contents go in SHA-256 order, across every message of the transaction: a writer waits on a
 * content another uncommitted writer is storing (its unique key), so two transactions taking the
 * same new contents in different orders deadlocked on PostgreSQL, and one was refused (503). One
 * order for every writer leaves only waiting.
 */
export async function storeFilesOfMessages(db: Db, messages: readonly MessageFiles[], now: number): Promise<AttachmentRow[][]> {
  const hashed = messages.map((m) => m.files.map((f): HashedFile => ({ ...f, sha256: sha256Of(f.content) })));
  const distinct = [...new Map(hashed.flat().map((f) => [f.sha256, f])).values()].sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0));
  if (distinct.length === 0) return messages.map(() => []);
  await db
    .insertInto('files')
    .values(distinct.map((f) => ({ sha256: f.sha256, size: f.content.length, content: f.content, created_at: now })))
    .onConflict((oc) => oc.column('sha256').doNothing())
    .execute();
  const rows: AttachmentRow[][] = [];
  for (const [i, { messageId, ticketId }] of messages.entries()) {
    const files = hashed[i]!;
    rows.push(
      files.length === 0
        ? []
        : await db
            .insertInto('attachments')
            .values(files.map((f) => ({ message_id: messageId, ticket_id: ticketId, file_sha256: f.sha256, filename: f.filename, content_type: f.contentType, size: f.content.length, created_at: now })))
            .returningAll()
            .execute(),
    );
  }
  return rows;
}

/** The attachments of these messages, in message then upload order (no contents). */
export async function attachmentsOfMessages(db: Db, messageIds: readonly number[]): Promise<AttachmentRow[]> {
  if (messageIds.length === 0) return [];
  return db.selectFrom('attachments').selectAll().where('message_id', 'in', [...messageIds]).orderBy('message_id').orderBy('id').execute();
}

/** One attachment with the kind of its message (access rules: never a note's to a customer). */
export async function findAttachment(db: Db, id: number): Promise<(AttachmentRow & { message_kind: 'customer' | 'reply' | 'note' }) | undefined> {
  return db
    .selectFrom('attachments as a')
    .innerJoin('messages as m', 'm.id', 'a.message_id')
    .selectAll('a')
    .select('m.kind as message_kind')
    .where('a.id', '=', id)
    .executeTakeFirst();
}

/** A stored file's bytes. */
export async function fileContent(db: Db, sha256: string): Promise<Buffer | undefined> {
  const row = await db.selectFrom('files').select('content').where('sha256', '=', sha256).executeTakeFirst();
  return row ? Buffer.from(row.content) : undefined;
}
