/**
 * The admin data browser (/admin/): lists with filters and keyset pages, detail pages with actions,
 * one module per kind of record. Everything is plain HTML forms: GET forms filter, POST forms (with
 * a CSRF token) act.
 */
export { AdminIndexPage } from './home.js';
export { type TicketDetailProps, TicketDetailPage, type TicketListCorrection, TicketListPage } from './tickets.js';
export { UserDetailPage, type UserDetailProps, UserListPage } from './users.js';
export { EventListPage } from './events.js';
export { AuditListPage } from './audit.js';
export { EmailDetailPage, EmailListPage } from './emails.js';
export { InboundListPage, InboundMailPage, type OriginalMail } from './inbound.js';
