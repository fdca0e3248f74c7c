/**
 * Where things live, for pages, emails and API answers. One place, so a link and its route never
 * drift apart. Attachments are served by three routes with three access rules (§10.1): staff by
 * session, the API by token, the customer through the status token (never a note's file).
 */
import type { AttachmentRow } from '../db/schema.js';

/** The staff ticket page (§9). */
export function staffTicketPath(ticketId: number): string {
  return `/agents/tickets/${ticketId}/`;
}

/** The original of a message that came by mail (§10): its headers and whole text, for staff. */
export function mailOriginalPath(ticketId: number, messageId: number): string {
  return `${staffTicketPath(ticketId)}messages/${messageId}/original/`;
}

/** The customer's status page (§4, §9): the ticket's token is its only key. */
export function customerStatusPath(token: string): string {
  return `/tickets/status/${encodeURIComponent(token)}/`;
}

/** A file for staff with a session. */
export function staffAttachmentPath(a: Pick<AttachmentRow, 'id' | 'filename'>): string {
  return `/agents/attachments/${a.id}/${encodeURIComponent(a.filename)}`;
}

/** A file for the customer, through the ticket's status token. */
export function customerAttachmentPath(token: string, a: Pick<AttachmentRow, 'id' | 'filename'>): string {
  return `${customerStatusPath(token)}attachments/${a.id}/${encodeURIComponent(a.filename)}`;
}

/** A file for an API client (bearer token). */
export function apiAttachmentPath(a: Pick<AttachmentRow, 'id'>): string {
  return `/api/v1/attachments/${a.id}`;
}

/** Where staff land after login (and what an error page offers them). */
export function landingOf(role: 'agent' | 'admin'): string {
  return role === 'admin' ? '/adminapp/dashboard/' : '/agents/dashboard/';
}

/** The form that takes a copied person (§10 Cc) off a ticket. */
export function copiedRemovePath(ticketId: number): string {
  return `${staffTicketPath(ticketId)}copied/remove/`;
}
