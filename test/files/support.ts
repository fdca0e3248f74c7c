/**
 * Multipart forms for tests, built by hand so a test can send what a browser never would (a file
 * name with control characters, a part without a name) as well as what it does.
 */
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { Client } from '../support/app.js';

export interface FilePart {
  filename: string;
  contentType?: string;
  content: Buffer | string;
  /** The form field (default `attachments`). */
  field?: string;
}

export interface MultipartBody {
  body: Buffer;
  contentType: string;
}

/**
 * A multipart/form-data body: the text fields first, then the files, then `after` (a browser sends
 * the fields in the form's order, so those placed after the file input come after the files).
 */
export function multipart(fields: Record<string, string>, files: readonly FilePart[] = [], after: Record<string, string> = {}): MultipartBody {
  const boundary = `----helpdesk-test-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  const addFields = (some: Record<string, string>) => {
    for (const [name, value] of Object.entries(some)) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    }
  };
  addFields(fields);
  for (const file of files) {
    const name = file.filename.replace(/"/g, '%22');
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'attachments'}"; filename="${name}"\r\nContent-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content));
    chunks.push(Buffer.from('\r\n'));
  }
  addFields(after);
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POSTs a multipart form with the client's cookies (through app.inject). */
export async function postMultipart(client: Client, url: string, fields: Record<string, string>, files: readonly FilePart[] = [], after: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const { body, contentType } = multipart(fields, files, after);
  return client.request({ method: 'POST', url, payload: body, headers: { 'content-type': contentType } });
}

/** The smallest valid PNG: one transparent pixel. */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** The customer form's fields, with any replaced. */
export function ticketFields(over: Record<string, string> = {}): Record<string, string> {
  return { name: 'Carla Customer', email: 'carla@example.com', title: 'Printer on fire', description: 'It is really on fire.', priority: 'medium', ...over };
}
