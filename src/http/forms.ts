import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalidInput } from '../core/errors.js';
import { type EditForm, mergePost, SHOWN_FIELD, shownOf } from '../core/formMerge.js';
import { repeatedFieldErrors, repeatedFieldsMessage } from '../core/repeatedFields.js';
import type { FormValues } from '../views/components.js';

/**
 * How a route shows its form again when the post is refused for its CSRF token (an expired form:
 * its secret cookie ended with the browser session): with the values sent, a fresh token, a notice
 * (core/staleForms.ts expiredFormNotice) and status EXPIRED_FORM_STATUS. Nothing may be written.
 * The error handler (errors.ts) calls it; a route without one answers the plain 403 page.
 */
export type ExpiredFormPage = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/** A route's form shown again after its text field `field` was too long to read (uploads.ts LongFieldRefusal). */
export type TooLongFormPage = (request: FastifyRequest, reply: FastifyReply, field: string) => Promise<FastifyReply>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This route's form, shown again after a refused CSRF token (forms.ts ExpiredFormPage). */
    expiredForm?: ExpiredFormPage;
    /**
     * This route's form, shown again (413, nothing written) after a text field longer than a form
     * field may be refused the form before the route ran (uploads.ts LongFieldRefusal): the body
     * holds the fields read, the long one cut. Like expiredForm, the CSRF token was not checked.
     */
    tooLongForm?: TooLongFormPage;
    /** This route's form fields that are lists by design (a group of boxes); any other field sent twice is refused (refuseRepeatedFields). */
    formLists?: readonly string[];
  }
}

/**
 * A staff form's TooLongFormPage: the refusal comes before the route's preHandlers, so the session
 * is read here (which sets `request.viewer`); without a session of one of `roles`, the login page,
 * as requireRole. `show` renders the form again (413) with the text kept. A staff form takes this
 * only if it posts as multipart (`enctype="multipart/form-data"`): an urlencoded body over the
 * limit is not read at all, and nothing of it could be shown again (uploads.ts).
 */
export function staffTooLongForm(roles: readonly string[], show: TooLongFormPage): TooLongFormPage {
  return async (request, reply, field) => {
    const viewer = request.viewer ?? (await request.sessionViewer());
    if (!viewer || !roles.includes(viewer.role)) return reply.redirect('/agents/login/', 303);
    return show(request, reply, field);
  };
}

/** The form field holding the CSRF token (app.ts reads it for @fastify/csrf-protection). */
export const CSRF_FIELD = '_csrf';

/** The cookie holding the browser's CSRF secret (signed), from which every form's token is made. */
export const CSRF_COOKIE = '_csrf';

/**
 * Makes the browser's next page take a new CSRF secret: at a sign-in and a sign-out, when whoever
 * is signed in with the browser changes. A token is good for as long as its secret, and the secret
 * lived as long as the browser: whoever used a shared front-desk browser before (or read its login
 * page) kept tokens that worked for the next person signed in there, so a page of theirs could post
 * any form in that person's name. The answer that calls this must render no form (a redirect).
 */
export function forgetCsrfSecret(reply: FastifyReply): void {
  reply.clearCookie(CSRF_COOKIE, { path: '/' });
}

/**
 * Refuses a form (urlencoded or multipart) that sends a single-valued field more than once: 400
 * naming it, before CSRF and before the route, so nothing is written. A route reading one value
 * took such a field as empty (core/repeatedFields.ts). JSON bodies are the API's: a list there is
 * a list its schema asked for. Query strings are not forms: the lists' filters take a repeated
 * parameter's last value (routes/adminFilters.ts).
 */
export function refuseRepeatedFields(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    if (!request.isMultipart() && !/^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '')) return;
    // Two CSRF tokens are the CSRF check's to refuse (403, a customer form shown again), as before.
    const fields = repeatedFieldErrors(formBody(request.body), [CSRF_FIELD, ...(request.routeOptions.config.formLists ?? [])]);
    const names = Object.keys(fields);
    if (names.length > 0) throw invalidInput(fields, repeatedFieldsMessage(names));
  });
}

/**
 * The status of a form shown again after its token was refused: still the refusal's 403 (it is not
 * invalid input, and nothing was done), now with the form to send again instead of a dead end.
 */
export const EXPIRED_FORM_STATUS = 403;

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

/** A new one-time form key (core/formReceipts.ts formKeyOf reads it back). */
export function newFormKey(): string {
  return randomBytes(16).toString('base64url');
}

export function sendHtml(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(html);
}

const SAME_SITE = 'http://same-site.invalid';

/**
 * A same-site path to go back to after login; anything else falls back. The path is read the way a
 * browser reads a Location header (it drops tabs and line breaks and takes `\` for `/`, so
 * `/<TAB>/evil.example` means `//evil.example`), kept only if it stays on this site, and given back
 * re-encoded, so it is also always a valid header value.
 */
export function safeNext(raw: unknown, fallback: string): string {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.length > 2000) return fallback;
  let url: URL;
  try {
    url = new URL(raw, SAME_SITE);
  } catch {
    // Not a URL at all: there is nothing to go back to.
    return fallback;
  }
  // `/.//evil.example` is same-site for the parser but `//evil.example` once its dot is gone.
  if (url.origin !== SAME_SITE || url.pathname.startsWith('//')) return fallback;
  return url.pathname + url.search + url.hash;
}

/**
 * A page's post of an edit form (core/formMerge.ts): its body and what it showed; once merged
 * with the stored record (inside the save's transaction), the texts it saves and the `_shown` of
 * the form if it comes back refused.
 */
export class PostedEdit {
  /** The merged texts; undefined until merged, or when the post says nothing of what it showed. */
  values: FormValues | undefined;
  /** The next `_shown`; undefined until merged. */
  nextShown: FormValues | undefined;

  constructor(
    readonly body: Record<string, unknown>,
    readonly shown: FormValues | undefined,
  ) {}

  /** The post merged over `stored` (the record as the form shows it); null when the post is read as sent (no `_shown`). Throws EditConflict. */
  merge(form: EditForm, stored: FormValues): FormValues | null {
    const merged = mergePost(form, this.body, this.shown, stored);
    this.values = merged?.values;
    this.nextShown = merged?.shown ?? stored;
    return merged?.values ?? null;
  }
}

/** The edit a post carries; null when its `_shown` is damaged (the form comes back with SHOWN_DAMAGED, 400). */
export function postedEdit(body: Record<string, unknown>): PostedEdit | null {
  const shown = shownOf(body[SHOWN_FIELD]);
  return shown === null ? null : new PostedEdit(body, shown);
}
