/** Sends a CSV export (services/csvExport.ts) as a download, streamed: one chunk read at a time, as the client takes them. */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { dispositionOf } from '../core/attachments.js';

export const CSV_TYPE = 'text/csv; charset=utf-8';

/**
 * The chunks as a byte stream: piped to the socket, the next chunk (the next batch's read) is asked
 * for only when the socket has taken the last; destroying it (Fastify does when the client hangs
 * up) ends the generator and with it the reads.
 */
export function csvStream(chunks: AsyncIterable<string>): Readable {
  return Readable.from(chunks, { objectMode: false });
}

/** The chunks as the answer's body, a download named `filename`. */
export function sendCsv(reply: FastifyReply, filename: string, chunks: AsyncIterable<string>): FastifyReply {
  return reply
    .header('content-type', CSV_TYPE)
    .header('content-disposition', dispositionOf('text/csv', filename))
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(csvStream(chunks));
}
