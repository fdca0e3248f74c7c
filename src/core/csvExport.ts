/**
 * The columns of the CSV exports (README, "Export") and a row of each as its fields: tickets as
 * /admin/tickets/ lists them, and the audit log. Times are ISO 8601 UTC; yes/no for the flags; an
 * empty field for what has not happened (not assigned, not closed, not rated).
 */
import { csvRecord, type CsvValue } from './csv.js';
import { isBreached } from './sla.js';
import { knownDueAt } from './slaClocks.js';
import { teamText, topicText } from './teams.js';
import { referenceOf, stateOf, type Priority, type TicketStatus } from './tickets.js';

/** A ticket with what its export row says. */
export interface ExportTicket {
  id: number;
  created_at: number;
  title: string;
  customer_name: string;
  customer_email: string;
  priority: Priority;
  status: TicketStatus;
  agent_id: number | null;
  agent_username: string | null;
  team_name: string | null;
  topic_id: number | null;
  topic_name: string | null;
  assigned_at: number | null;
  first_response_at: number | null;
  closed_at: number | null;
  sla_due_at: number;
  /** Set while the resolution clock waits on the customer (§11): its due instant is then none. */
  sla_paused_at: number | null;
  csat_score: 'good' | 'bad' | null;
}

export const TICKET_CSV_COLUMNS = [
  'reference',
  'created_at',
  'title',
  'customer_name',
  'customer_email',
  'priority',
  'state',
  'agent',
  'team',
  'topic',
  'assigned_at',
  'first_response_at',
  'closed_at',
  'sla_due_at',
  'sla_paused',
  'sla_breached',
  'csat',
] as const;

/** Epoch ms as ISO 8601 UTC; null stays an empty field. */
export function isoField(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

const yesNo = (flag: boolean) => (flag ? 'yes' : 'no');

/** A ticket's fields in TICKET_CSV_COLUMNS order; breached as of `now` (§4, as the list shows it). */
export function ticketCsvValues(t: ExportTicket, now: number): CsvValue[] {
  const paused = t.sla_paused_at !== null;
  return [
    referenceOf(t.id),
    isoField(t.created_at),
    t.title,
    t.customer_name,
    t.customer_email,
    t.priority,
    stateOf({ status: t.status, agentId: t.agent_id }),
    t.agent_username,
    teamText(t.team_name),
    topicText(t.topic_id, t.topic_name),
    isoField(t.assigned_at),
    isoField(t.first_response_at),
    isoField(t.closed_at),
    isoField(knownDueAt(t.sla_due_at)),
    yesNo(paused),
    yesNo(isBreached({ slaDueAt: t.sla_due_at, closedAt: t.closed_at }, now)),
    t.csat_score,
  ];
}

/** An entry of the audit log (§15) with what its export row says (the actor by the name it had then). */
export interface ExportAuditEntry {
  id: number;
  at: number;
  actor_name: string;
  action: string;
  subject: string;
  address: string;
  before_json: string | null;
  after_json: string | null;
}

export const AUDIT_CSV_COLUMNS = ['id', 'at', 'actor', 'action', 'subject', 'address', 'before', 'after'] as const;

/** An entry's fields in AUDIT_CSV_COLUMNS order; before and after as the JSON the log keeps. */
export function auditCsvValues(e: ExportAuditEntry): CsvValue[] {
  return [e.id, isoField(e.at), e.actor_name === '' ? null : e.actor_name, e.action, e.subject, e.address, e.before_json, e.after_json];
}

/** Many records as one chunk of text (a batch of rows is written at once). */
export function csvChunk<R>(rows: readonly R[], values: (row: R) => CsvValue[]): string {
  let chunk = '';
  for (const row of rows) chunk += csvRecord(values(row));
  return chunk;
}

/** `tickets-2026-12-05.csv`: the export's name and the UTC day it was taken. */
export function exportFilename(what: 'tickets' | 'audit', now: number): string {
  return `${what}-${new Date(now).toISOString().slice(0, 10)}.csv`;
}
