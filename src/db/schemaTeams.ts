/** Kysely table types of teams, topics and skills (SPEC §12; migration 2026-12-04T1000-teams). */
import type { ColumnType, Generated } from 'kysely';

export interface TeamsTable {
  id: Generated<number>;
  name: string;
  /** The team whose members may also take this team's tickets once they have waited `overflow_after_minutes`. */
  overflow_team_id: number | null;
  overflow_after_minutes: number | null;
  /** The order of its waiting tickets (§12); null: the desk's queue_order setting. */
  queue_order: ColumnType<'oldest' | 'deadline' | null, 'oldest' | 'deadline' | null | undefined, 'oldest' | 'deadline' | null>;
  created_at: number;
  /** 1: the team's tickets count with `calendar_id` (null: 24/7); 0: with the settings' calendar (migration 2026-12-16T1000). */
  own_calendar: ColumnType<number, number | undefined, number>;
  calendar_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** The team's SLA targets as JSON (core/teamSla.ts); null: the settings' targets. */
  sla_targets: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface TeamMembersTable {
  team_id: number;
  user_id: number;
}

export interface SkillsTable {
  id: Generated<number>;
  name: string;
}

export interface AgentSkillsTable {
  user_id: number;
  skill_id: number;
}

export interface TopicsTable {
  id: Generated<number>;
  name: string;
  team_id: number;
  /** The priority a ticket of this topic gets when the customer names none; null: the form's default. */
  default_priority: 'high' | 'medium' | 'low' | null;
  /** 1: kept off the customer form and refused by name there and on the API; only inbound addresses lead to it. */
  hidden: ColumnType<number, number | undefined, number>;
}

export interface TopicSkillsTable {
  topic_id: number;
  skill_id: number;
  /** Minutes of waiting after which the skill is no longer needed; null: always needed. */
  optional_after_minutes: number | null;
}

/** A mail to `address` (To/Delivered-To) becomes a ticket of `topic_id`. Stored lower-case. */
export interface TopicAddressesTable {
  address: string;
  topic_id: number;
}

/** The routing world (core/teams.ts worldText) as it was before the admin change at `at` (§14's backtest). */
export interface TeamHistoryTable {
  id: Generated<number>;
  at: number;
  world: string;
}

export interface TeamTables {
  teams: TeamsTable;
  team_members: TeamMembersTable;
  skills: SkillsTable;
  agent_skills: AgentSkillsTable;
  topics: TopicsTable;
  topic_skills: TopicSkillsTable;
  topic_addresses: TopicAddressesTable;
  team_history: TeamHistoryTable;
}
