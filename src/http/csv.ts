/** Sends a CSV export (services/csvExport.ts) as a download, streamed: one chunk read at a time, as the client takes them. */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { dispositionOf } from '../core/attachments.js';

export const CSV_TYPE = 'text/csv; charset=utf-8';

/**
 * The chunks as the answer's body. A byte stream (not object mode), so the next chunk is asked for
 * only when the last one has gone out; when the client hangs up Fastify destroys the stream, which
 * ends the generator and with it the reads.
 */
export function sendCsv(reply: FastifyReply, filename: string, chunks: AsyncIterable<string>): FastifyReply {
  return reply
    .header('content-type', CSV_TYPE)
    .header('content-disposition', dispositionOf('text/csv', filename))
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(Readable.from(chunks, { objectMode: false }));
}
