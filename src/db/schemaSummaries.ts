/**
 * Kysely table types of the figures' summaries: tables kept by triggers as tickets change, so the
 * dashboard and the stats read a few rows instead of counting tickets (flat at millions of tickets).
 */

/**
 * Closed tickets' share of the all-time dashboard figures, kept by triggers as tickets close
 * (migration 2026-11-27T1500). One row per agent (0: none), priority and `late` (closed after the
 * deadline: 1). Rows may hold zero.
 */
export interface ClosedTicketSummaryTable {
  agent_id: number;
  priority: 'high' | 'medium' | 'low';
  late: number;
  closed: number;
  /** Closed tickets with a closed_at (all of them, in practice). */
  resolved: number;
  /** Sum of closed_at − created_at, ms. */
  resolution_ms: number;
}

/**
 * Open tickets per priority and assigned (1: with an agent, 0: pending), kept by triggers
 * (migration 2026-11-27T1600). Rows may hold zero.
 */
export interface OpenTicketSummaryTable {
  priority: 'high' | 'medium' | 'low';
  assigned: number;
  open: number;
}

/**
 * Closed tickets (with a closed_at) per bucket of closed_at − created_at, kept by triggers
 * (migration 2026-11-27T1600); buckets as in src/core/resolution-histogram.ts. Rows may hold zero.
 */
export interface ResolutionHistogramTable {
  bucket: number;
  closed: number;
}

/**
 * Tickets with a first public reply per bucket of first_response_at − created_at (the resolution
 * buckets), with the sum of those times; kept by triggers (migration 2026-12-03T0900).
 */
export interface FirstResponseHistogramTable {
  bucket: number;
  answered: number;
  total_ms: number;
}

/** Rated tickets and good ones per agent (0: none), kept by triggers (migration 2026-12-04T1200). */
export interface CsatSummaryTable {
  agent_id: number;
  rated: number;
  good: number;
}

/** Per priority, the open tickets with a recorded resolution breach; kept by triggers (2026-12-03T0900). */
export interface OpenBreachSummaryTable {
  priority: 'high' | 'medium' | 'low';
  breached: number;
}

/**
 * Waiting tickets (open, no agent) per team and required skills (tickets.required_skills, as
 * stored), kept by triggers (migration 2026-12-14T0900). Rows may hold zero.
 */
export interface PendingTeamSummaryTable {
  team_id: number;
  required_skills: string;
  pending: number;
}

export interface SummaryTables {
  closed_ticket_summary: ClosedTicketSummaryTable;
  open_ticket_summary: OpenTicketSummaryTable;
  resolution_histogram: ResolutionHistogramTable;
  first_response_histogram: FirstResponseHistogramTable;
  open_breach_summary: OpenBreachSummaryTable;
  csat_summary: CsatSummaryTable;
  pending_team_summary: PendingTeamSummaryTable;
}
