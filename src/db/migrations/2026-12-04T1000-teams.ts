// Frozen: this migration must never import application code, and never change once released.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * Teams, topics and skills (SPEC §12, issue 16). One team, `Support` (id 1), holds every agent and
 * every existing ticket, and one topic, `General` (id 1), routes to it: until an admin adds more,
 * routing decides exactly what it decided before.
 *
 * Tickets get the team and topic they were created for, the skills they need (`required_skills`:
 * JSON `[{"id":1,"name":"German","after":600000}]`, copied from the topic when created; `after` is
 * the wait in ms after which the skill is optional, null: always required), and `routing_due_at`:
 * the next moment more agents may take the waiting ticket (a skill turning optional, the overflow
 * opening), read by the routing-due job through the partial index, like the SLA monitor's rows.
 * `team_id` has no foreign key: SQLite cannot add a referencing column with a non-null default.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const id = pg ? 'serial' : 'integer';

  await db.schema
    .createTable('teams')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('overflow_team_id', 'integer', (c) => c.references('teams.id'))
    .addColumn('overflow_after_minutes', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('team_members')
    .addColumn('team_id', 'integer', (c) => c.notNull().references('teams.id'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addPrimaryKeyConstraint('team_members_pk', ['team_id', 'user_id'])
    .execute();
  await sql`create index team_members_by_user on team_members (user_id, team_id)`.execute(db);
  await db.schema
    .createTable('skills')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', 'varchar(64)', (c) => c.notNull().unique())
    .execute();
  await db.schema
    .createTable('agent_skills')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('skill_id', 'integer', (c) => c.notNull().references('skills.id'))
    .addPrimaryKeyConstraint('agent_skills_pk', ['user_id', 'skill_id'])
    .execute();
  await db.schema
    .createTable('topics')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('team_id', 'integer', (c) => c.notNull().references('teams.id'))
    .addColumn('default_priority', 'varchar(10)')
    .execute();
  await db.schema
    .createTable('topic_skills')
    .addColumn('topic_id', 'integer', (c) => c.notNull().references('topics.id'))
    .addColumn('skill_id', 'integer', (c) => c.notNull().references('skills.id'))
    .addColumn('optional_after_minutes', 'integer')
    .addPrimaryKeyConstraint('topic_skills_pk', ['topic_id', 'skill_id'])
    .execute();
  // Inbound addresses to topics (§12): a mail to `address` becomes a ticket of that topic.
  await db.schema
    .createTable('topic_addresses')
    .addColumn('address', 'varchar(254)', (c) => c.primaryKey())
    .addColumn('topic_id', 'integer', (c) => c.notNull().references('topics.id'))
    .execute();

  await db.insertInto('teams').values({ id: 1, name: 'Support', overflow_team_id: null, overflow_after_minutes: null, created_at: 0 }).execute();
  await db.insertInto('topics').values({ id: 1, name: 'General', team_id: 1, default_priority: null }).execute();
  if (pg) {
    await sql`select setval(pg_get_serial_sequence('teams', 'id'), 1)`.execute(db);
    await sql`select setval(pg_get_serial_sequence('topics', 'id'), 1)`.execute(db);
  }
  await sql`insert into team_members (team_id, user_id) select 1, id from users where role = 'agent'`.execute(db);
  // Every agent created from now on joins Support too, however it is inserted (the admin pages, the
  // CLI, a seed script); an admin moves it to other teams afterwards. Support cannot be deleted.
  if (pg) {
    await sql`create function users_join_support() returns trigger language plpgsql as $$
      begin
        if new.role = 'agent' then insert into team_members (team_id, user_id) values (1, new.id); end if;
        return new;
      end $$`.execute(db);
    await sql`create trigger users_join_support after insert on users for each row execute function users_join_support()`.execute(db);
  } else {
    await sql`create trigger users_join_support after insert on users when new.role = 'agent'
      begin insert into team_members (team_id, user_id) values (1, new.id); end`.execute(db);
  }

  await db.schema.alterTable('tickets').addColumn('team_id', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('tickets').addColumn('topic_id', 'integer').execute();
  await db.schema.alterTable('tickets').addColumn('required_skills', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.alterTable('tickets').addColumn('routing_due_at', 'bigint').execute();
  await sql`update tickets set topic_id = 1`.execute(db);
  await sql`create index tickets_routing_due on tickets (routing_due_at) where status = 'open' and agent_id is null and routing_due_at is not null`.execute(db);
  await sql`create index tickets_by_team on tickets (team_id, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`drop trigger if exists users_join_support on users`.execute(db);
    await sql`drop function if exists users_join_support()`.execute(db);
  } else {
    await sql`drop trigger if exists users_join_support`.execute(db);
  }
  await sql`drop index if exists tickets_by_team`.execute(db);
  await sql`drop index if exists tickets_routing_due`.execute(db);
  for (const column of ['routing_due_at', 'required_skills', 'topic_id', 'team_id']) await db.schema.alterTable('tickets').dropColumn(column).execute();
  for (const table of ['topic_addresses', 'topic_skills', 'topics', 'agent_skills', 'skills', 'team_members', 'teams']) await db.schema.dropTable(table).execute();
}
