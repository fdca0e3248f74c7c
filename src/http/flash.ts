import type { FastifyReply, FastifyRequest } from 'fastify';
import { formLevelMessage } from '../core/fieldErrors.js';
import type { Flash } from '../views/layout.js';

const FLASH_COOKIE = 'hd_flash';

/** Leaves a one-time message for the page the user is redirected to. */
export function setFlash(reply: FastifyReply, flash: Flash): void {
  reply.setCookie(FLASH_COOKIE, JSON.stringify(flash), { path: '/', httpOnly: true, sameSite: 'lax', signed: true, maxAge: 60 });
}

/** Header that pages' own background refreshes send (see src/public/agent-dashboard.js). */
export const BACKGROUND_REFRESH_HEADER = 'x-helpdesk-refresh';

/**
 * Takes the pending message, if any (and clears it). A page's background refresh leaves it alone:
 * it may run between an action's redirect being sent and followed, and would eat the message meant
 * for the page the browser is about to show.
 */
export function takeFlash(request: FastifyRequest, reply: FastifyReply): Flash | null {
  const raw = request.cookies[FLASH_COOKIE];
  if (!raw || request.headers[BACKGROUND_REFRESH_HEADER] !== undefined) return null;
  reply.clearCookie(FLASH_COOKIE, { path: '/' });
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null) return null;
  try {
    const parsed = JSON.parse(unsigned.value) as Partial<Flash>;
    if ((parsed.kind === 'success' || parsed.kind === 'error' || parsed.kind === 'info') && typeof parsed.message === 'string') {
      return {
        kind: parsed.kind,
        message: parsed.message,
        ...(typeof parsed.closing === 'string' ? { closing: parsed.closing } : {}),
        ...(typeof parsed.control === 'string' ? { control: parsed.control } : {}),
        ...(parsed.event === 'message-sent' ? { event: parsed.event } : {}),
      };
    }
  } catch (error) {
    request.log.debug({ err: error }, 'ignoring a malformed flash cookie');
  }
  return null;
}

/** The error flash of a refused form shown again: none when the error summary lists its fields (core formLevelMessage). */
export function refusalFlash(error: { message: string; fields: Readonly<Record<string, string>> }): Flash | null {
  const message = formLevelMessage(error);
  return message === null ? null : { kind: 'error', message };
}
