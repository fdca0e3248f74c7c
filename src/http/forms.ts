import type { FastifyReply } from 'fastify';
import type { FormValues } from '../views/components.js';

/** A urlencoded form body as a plain record; anything else (no body, JSON array) is empty. */
export function formBody(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** The user's values to put back into a re-rendered form (strings only, never the password). */
export function keptValues(body: Record<string, unknown>, names: readonly string[]): FormValues {
  const values: FormValues = {};
  for (const name of names) {
    const value = body[name];
    if (typeof value === 'string') values[name] = value;
  }
  return values;
}

export function sendHtml(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(html);
}

/** A same-site path to go back to after login; anything else falls back. */
export function safeNext(raw: unknown, fallback: string): string {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) return fallback;
  return raw;
}
