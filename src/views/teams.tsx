/**
 * `/adminapp/teams/` (§12): teams with their members, own SLA, queue order and overflow, and the
 * skills agents hold and topics require. The topics' pages are views/topics.tsx.
 */
import { ALWAYS_OPEN } from '../core/calendar.js';
import type { QueueOrder } from '../core/routing.js';
import { apiNameOf } from '../core/settingsApi.js';
import { targetField } from '../core/settingsForm.js';
import { TEAM_QUEUE_ORDERS } from '../core/teamForm.js';
import { perPriorityInWords } from '../core/teamSla.js';
import { PRIORITIES } from '../core/tickets.js';
import type { CalendarChoice } from '../repositories/calendars.js';
import type { TeamListing } from '../repositories/teams.js';
import { TargetRow } from './admin/settings.js';
import { ActionForm, CsrfField, DataTable, EmptyState, ErrorSummary, type FormErrors, type FormValues, SelectField, ShownField, TextField, formTitle } from './components.js';
import { type Flash, Layout, type Viewer } from './layout.js';

export const TEAMS = '/adminapp/teams/';
export const TOPICS = '/adminapp/topics/';
/** Skills are made, renamed and deleted on the teams page. */
export const SKILLS = `${TEAMS}skills/`;

export interface PageBase {
  viewer: Viewer;
  csrf: string;
  flash: Flash | null;
}

export interface SkillListing {
  id: number;
  name: string;
  agents: string[];
}

export const list = (items: readonly string[]) => (items.length === 0 ? '—' : items.join(', '));

export function Breadcrumb({ root, label, leaf }: { root: string; label: string; leaf: string }) {
  return (
    <nav aria-label="breadcrumb">
      <ul>
        <li>
          <a href={root}>{label}</a>
        </li>
        <li>{leaf}</li>
      </ul>
    </nav>
  );
}

/** A fieldset of boxes `name`, ticked for the values in the comma list `values[name]`. */
export function Boxes({ name, legend, hint, values, errors, options }: { name: string; legend: string; hint: string; values: FormValues; errors: FormErrors; options: readonly [string, string][] }) {
  const chosen = new Set((values[name] ?? '').split(',').map((v) => v.trim().toLowerCase()));
  return (
    <fieldset id={name} class="boxes" tabindex={-1} aria-describedby={errors[name] ? `${name}-error` : `${name}-hint`}>
      <legend>
        <strong>{legend}</strong>
      </legend>
      <small id={`${name}-hint`} hidden={errors[name] ? true : undefined}>
        {hint}
      </small>
      {errors[name] && (
        <small id={`${name}-error`} class="field-error">
          {errors[name]}
        </small>
      )}
      {options.length === 0 && <p>None yet.</p>}
      {options.map(([value, text]) => (
        <label>
          <input type="checkbox" name={name} value={value} checked={chosen.has(value.toLowerCase())} /> {text}
        </label>
      ))}
    </fieldset>
  );
}

function SkillsSection({ csrf, skills, values, errors }: { csrf: string; skills: readonly SkillListing[]; values: FormValues; errors: FormErrors }) {
  return (
    <section id="skills" aria-labelledby="skills-heading">
      <h2 id="skills-heading">Skills</h2>
      <p>A topic may require skills; only members of its team holding them take its tickets. Give agents skills on their page under Data → Users.</p>
      {skills.length === 0 ? (
        <EmptyState>No skill yet.</EmptyState>
      ) : (
        <div class="table-scroll">
          <DataTable id="skill-list" class="striped stack" columns={['Skill', 'Agents', '']}>
            {skills.map((s) => (
              <tr data-skill={s.id}>
                <td data-label="Skill">
                  <span>{s.name}</span>
                </td>
                <td data-label="Agents">
                  <span>{list(s.agents)}</span>
                </td>
                <td data-label="">
                  <ActionForm action={`${SKILLS}${s.id}/delete/`} csrf={csrf} class="secondary outline small" label="Delete" ariaLabel={`Delete skill ${s.name}`} confirm={`Delete the skill ${s.name}? Agents who hold it lose it. (A skill a topic requires cannot be deleted: take it off the topic first.)`} />
                  {/* Topics and agents follow a new name; tickets keep the one they were created with. */}
                  <form method="post" action={`${SKILLS}${s.id}/`} novalidate>
                    <CsrfField token={csrf} />
                    <input type="text" name="name" value={s.name} maxLength={64} required aria-label={`New name of skill ${s.name}`} />
                    <button type="submit" class="secondary outline small" aria-label={`Rename skill ${s.name}`}>
                      Rename
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
      )}
      <form method="post" action={SKILLS} novalidate>
        <CsrfField token={csrf} />
        <TextField name="name" label="New skill" values={values} errors={errors} maxLength={64} hint="Such as German or Databases." />
        <button type="submit">Add skill</button>
      </form>
    </section>
  );
}

/** A team's SLA in the list: "The desk's", or its own targets and calendar. */
function teamSlaInWords(team: TeamListing, calendars: readonly CalendarChoice[]): string {
  if (team.sla === null && team.calendar === null) return 'The desk’s';
  const targets = team.sla === null ? 'the desk’s targets' : perPriorityInWords((p) => team.sla![p].resolution);
  const calendar = team.calendar === null ? 'the desk’s calendar' : team.calendar === ALWAYS_OPEN ? ALWAYS_OPEN : (calendars.find((c) => c.id === team.calendar)?.name ?? 'a deleted calendar');
  return `${targets}; ${calendar}`;
}

/** A team's queue order as the pages name it: its own, or the desk's naming which that is now. */
export function teamQueueOrderText(order: QueueOrder | null, deskQueueOrder: QueueOrder): string {
  return order === null ? `The desk’s (currently ${deskQueueOrder})` : (TEAM_QUEUE_ORDERS[order] ?? order);
}

export function TeamListPage({
  viewer,
  csrf,
  flash,
  teams,
  skills,
  calendars,
  deskQueueOrder,
  values = {},
  errors = {},
}: PageBase & { teams: readonly TeamListing[]; skills: readonly SkillListing[]; calendars: readonly CalendarChoice[]; deskQueueOrder: QueueOrder; values?: FormValues; errors?: FormErrors }) {
  return (
    <Layout title={Object.keys(errors).length ? 'Check the skill · Teams' : 'Teams'} viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>Teams</h1>
        <p>
          Each ticket belongs to the team of its <a href={TOPICS}>topic</a> and goes only to that team’s members (and, after the overflow wait, to the overflow team’s). An agent may be in several teams; its capacity counts across them.
        </p>
      </hgroup>
      <ErrorSummary errors={errors} />
      <p>
        <a href={`${TEAMS}new/`} role="button">
          New team
        </a>
      </p>
      <div class="table-scroll">
        <DataTable id="teams" class="striped stack" columns={['Team', 'Members', 'SLA', 'Overflow', 'Queue order']}>
          {teams.map((t) => (
            <tr data-team={t.id}>
              <td data-label="Team" class="ticket-title">
                <span>
                  <a href={`${TEAMS}${t.id}/`}>{t.name}</a>
                </span>
              </td>
              <td data-label="Members">
                <span>{list(t.members)}</span>
              </td>
              <td data-label="SLA">
                <span>{teamSlaInWords(t, calendars)}</span>
              </td>
              <td data-label="Overflow">
                <span>{t.overflow_team === null ? '—' : `${t.overflow_team} after ${t.overflow_after_minutes} min`}</span>
              </td>
              <td data-label="Queue order">
                <span>{teamQueueOrderText(t.queue_order, deskQueueOrder)}</span>
              </td>
            </tr>
          ))}
        </DataTable>
      </div>
      <SkillsSection csrf={csrf} skills={skills} values={values} errors={errors} />
    </Layout>
  );
}

export function TeamFormPage({
  viewer,
  csrf,
  flash,
  team,
  teams,
  agents,
  values,
  shown,
  errors,
  calendars,
  desk,
  deskQueueOrder,
}: PageBase & {
  team: TeamListing | null;
  teams: readonly TeamListing[];
  agents: readonly { username: string; display_name: string; active: number }[];
  values: FormValues;
  shown: FormValues;
  errors: FormErrors;
  calendars: readonly CalendarChoice[];
  /** The desk's SLA as the settings have it now, in words: its calendar's name and its resolution targets. */
  desk: { calendar: string; targets: string };
  /** The desk's queue_order setting, which the team follows when it has none of its own. */
  deskQueueOrder: QueueOrder;
}) {
  const title = team ? `Team ${team.name}` : 'New team';
  const others: [string, string][] = teams.filter((t) => t.id !== team?.id).map((t) => [t.name.toLowerCase(), t.name]);
  const selected = { ...values, overflow_team: (values.overflow_team ?? '').toLowerCase(), queue_order: (values.queue_order ?? '').trim().toLowerCase() };
  return (
    <Layout title={formTitle(title, errors, 'team')} viewer={viewer} csrf={csrf} flash={flash}>
      <Breadcrumb root={TEAMS} label="Teams" leaf={team ? team.name : 'New'} />
      <h1>{title}</h1>
      <ErrorSummary errors={errors} />
      <form method="post" action={team ? `${TEAMS}${team.id}/` : `${TEAMS}new/`} novalidate>
        <CsrfField token={csrf} />
        {team && <ShownField values={shown} />}
        <TextField name="name" label="Name" values={values} errors={errors} required maxLength={64} hint="Unique in any letter case, such as Billing." />
        <Boxes
          name="members"
          legend="Members"
          hint="Agents who take this team’s tickets. An agent holding open tickets keeps at least one team."
          values={values}
          errors={errors}
          options={agents.map((a) => [a.username, `${a.display_name} (${a.username})${a.active === 1 ? '' : ', deactivated'}`])}
        />
        <fieldset>
          <legend>
            <strong>SLA</strong>
          </legend>
          <p>
            <small>
              This team’s tickets count their SLA clocks with these targets and this calendar; leave them to the desk’s to follow the <a href="/adminapp/settings/">settings</a>. A
              change applies to tickets created after it.
            </small>
          </p>
          <SelectField
            name="calendar"
            label="SLA calendar"
            values={values}
            errors={errors}
            options={[['', `The desk’s (now ${desk.calendar})`], [ALWAYS_OPEN, `${ALWAYS_OPEN} (always open)`], ...calendars.map((c): [string, string] => [String(c.id), c.name])]}
            hint="The hours this team’s SLA clocks count in."
          />
          <p>
            <small>Targets: leave all of them empty for the desk’s (now resolution {desk.targets}); fill in a resolution target for each priority to give the team its own.</small>
          </p>
          {PRIORITIES.map((priority) => (
            <TargetRow priority={priority} values={values} errors={errors} fieldOf={(metric, p) => apiNameOf(targetField(metric, p))} optional />
          ))}
        </fieldset>
        <div class="grid">
          <SelectField name="overflow_team" label="Overflow team" values={selected} errors={errors} options={[['', 'None'], ...others]} hint="Its members may also take tickets that waited this long." />
          <TextField name="overflow_after_minutes" label="Overflow after (minutes)" type="number" values={values} errors={errors} hint="1 to 10080; with an overflow team." />
        </div>
        <SelectField
          name="queue_order"
          label="Queue order"
          values={selected}
          errors={errors}
          options={[['', teamQueueOrderText(null, deskQueueOrder)], ...Object.entries(TEAM_QUEUE_ORDERS)]}
          hint="Which of this team’s waiting tickets its members take first: the oldest, or the one whose resolution deadline comes first. An agent in several teams takes the earliest of its teams’ heads."
        />
        <button type="submit">{team ? 'Save' : 'Create team'}</button>
      </form>
      {team && team.id !== 1 && <ActionForm action={`${TEAMS}${team.id}/delete/`} csrf={csrf} class="secondary outline" label="Delete this team" confirm="Delete this team? This cannot be undone." note="Refused while it holds open tickets or a topic routes to it." />}
    </Layout>
  );
}
