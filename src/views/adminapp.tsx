import { SLA_METRICS, type SlaMetric } from '../core/slaClocks.js';
import { percentText, shareText } from '../core/shares.js';
import { PRIORITIES } from '../core/tickets.js';
import { INBOUND_LOG_RESULTS } from '../repositories/inboundLog.js';
import type { Attention } from '../services/attention.js';
import type { MailStats } from '../services/mailStats.js';
import type { Stats, StatsWindow } from '../services/stats.js';
import { INBOUND_RESULT_LABELS } from './admin/inbound.js';
import { CsrfField, ErrorSummary, type FormErrors, type FormValues, ScrollRegion, SelectField, TextField, DataTable, formTitle } from './components.js';
import { AgentTable, AttentionPanel, FIGURE_LINKS, Kpi, teamListHref } from './dashboardParts.js';
import { type Flash, Layout, type Viewer } from './layout.js';

interface PageBase {
  viewer: Viewer;
  csrf: string;
  flash: Flash | null;
}

// ---------------------------------------------------------------------------------------------
// Register

export const REGISTER_FIELDS = ['username', 'display_name', 'email', 'role', 'capacity'] as const;

export function RegisterPage({ viewer, csrf, flash, values, errors }: PageBase & { values: FormValues; errors: FormErrors }) {
  return (
    <Layout title={formTitle('Register staff', errors, 'new account')} viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>Register staff</h1>
        <p>Agents receive tickets once they log in; admins run the desk. New accounts start offline.</p>
      </hgroup>
      <ErrorSummary errors={errors} />
      <form method="post" action="/adminapp/register/" novalidate>
        <CsrfField token={csrf} />
        <div class="grid">
          <TextField name="username" label="Username" values={values} errors={errors} required maxLength={64} autocomplete="off" hint="2–64 letters, digits, dots, dashes or underscores; unique in any letter case." />
          <TextField name="display_name" label="Display name" values={values} errors={errors} maxLength={100} hint="Shown to customers. Defaults to the username." />
        </div>
        <div class="grid">
          <TextField name="email" label="Email" type="email" values={values} errors={errors} maxLength={254} hint="For SLA alerts. May be empty." />
          <TextField name="password" label="Password" type="password" values={{}} errors={errors} required autocomplete="new-password" hint="At least 8 characters." />
        </div>
        <div class="grid">
          <SelectField name="role" label="Role" values={{ role: 'agent', ...values }} errors={errors} options={[['agent', 'Agent'], ['admin', 'Admin']]} />
          <TextField name="capacity" label="Capacity" type="number" values={values} errors={errors} hint="Most open tickets at once. Empty: the default capacity." />
        </div>
        <button type="submit">Register</button>
      </form>
    </Layout>
  );
}

// ---------------------------------------------------------------------------------------------
// Dashboard

const WINDOW_LABELS: Record<StatsWindow, string> = { '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days', all: 'All time' };

/**
 * A resolution time as people read it, to two units so averages stay distinguishable: `45 s`,
 * `1 min 30 s`, `2 h 5 min`, `3 d 4 h`; an em dash when there is none. (admin-dashboard.js has the
 * same function for live updates.)
 */
export function resolutionText(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.round(seconds);
  const two = (big: number, bigUnit: string, small: number, smallUnit: string) => (small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`);
  if (s < 60) return `${s} s`;
  if (s < 3600) return two(Math.floor(s / 60), 'min', s % 60, 's');
  if (s < 48 * 3600) return two(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'min');
  return two(Math.floor(s / 86_400), 'd', Math.floor((s % 86_400) / 3600), 'h');
}

/** A duration's mean, median and 90th percentile (resolution, first response), each a live figure `name.*`. */
function DurationFigures({ title, note, name, figures }: { title: string; note: string; name: 'resolution' | 'first_response'; figures: Stats['resolution'] }) {
  return (
    <>
      <h2>{title}</h2>
      <p>
        <small>{note}</small>
      </p>
      <div class="grid kpis">
        <Kpi label="Average" name={`${name}.avg_seconds`} value={resolutionText(figures.avg_seconds)} />
        <Kpi label="Median" name={`${name}.p50_seconds`} value={resolutionText(figures.p50_seconds)} />
        <Kpi label="90th percentile" name={`${name}.p90_seconds`} value={resolutionText(figures.p90_seconds)} />
      </div>
    </>
  );
}

const METRIC_LABELS: Record<SlaMetric, string> = { resolution: 'Resolution', first_response: 'First response', next_reply: 'Next reply' };

/** §11: per target, met, breached and the share met, overall and per priority. */
function TargetFigures({ targets }: { targets: Stats['sla']['targets'] }) {
  return (
    <ScrollRegion label="SLA targets">
      <DataTable class="figures" id="target-figures" caption="SLA targets: clocks met and breached, share met" columns={['Target', 'Met', 'Breached', 'Share met', 'High', 'Medium', 'Low']}>
        {SLA_METRICS.map((metric) => {
          const t = targets[metric];
          const path = `sla.targets.${metric}`;
          return (
            <tr data-target={metric}>
              <th scope="row">{METRIC_LABELS[metric]}</th>
              <td data-kpi={`${path}.met`}>{t.met}</td>
              <td data-kpi={`${path}.breached`}>{t.breached}</td>
              <td data-kpi={`${path}.met_share`}>{shareText(t.met_share)}</td>
              {PRIORITIES.map((p) => (
                <td data-kpi={`${path}.by_priority.${p}.met_share`}>{shareText(t.by_priority[p].met_share)}</td>
              ))}
            </tr>
          );
        })}
      </DataTable>
    </ScrollRegion>
  );
}

/**
 * A canvas that src/public/admin-dashboard.js draws a chart into, in a box of the shared chart height.
 * `empty`: what the box says instead while the chart has nothing to draw (the script keeps it
 * current), since Chart.js draws a pie of zeros as nothing and bars of zeros as bare axes.
 */
export function ChartFigure({ id, label, caption, empty }: { id: string; label: string; caption: string; empty?: { message: string; now: boolean } }) {
  return (
    <figure>
      <div class="chart-box">
        <canvas id={id} role="img" aria-label={label}></canvas>
        {empty && (
          <p class="chart-empty" data-chart-empty hidden={!empty.now}>
            {empty.message}
          </p>
        )}
      </div>
      <figcaption>{caption}</figcaption>
    </figure>
  );
}

/** The outbox now and the mail of the last day (services/mailStats.ts), refreshed with the rest. */
function MailFigures({ mail }: { mail: MailStats }) {
  return (
    <>
      <h2>Email</h2>
      <p>
        <small>Whatever the window: the outbox as it stands, and the mail received in the last 24 hours.</small>
      </p>
      <div class="grid kpis">
        <Kpi label="Waiting to be sent" name="mail.outbox.pending" value={mail.outbox.pending} />
        <Kpi label="Being sent" name="mail.outbox.sending" value={mail.outbox.sending} />
        <Kpi label="Failed" name="mail.outbox.failed" value={mail.outbox.failed} note="given up: retry them" />
        <Kpi label="Bounced" name="mail.outbox.bounced" value={mail.outbox.bounced} note="reported undeliverable" />
      </div>
      <p>
        <a href="/admin/emails/?status=failed">Failed emails</a> · <a href="/admin/emails/?status=bounced">Bounced emails</a> · <a href="/admin/inbound/">Inbound mail</a>
      </p>
      <ScrollRegion label="Mail received in the last 24 hours">
        <DataTable
          class="figures"
          id="inbound-figures"
          caption="Mail received in the last 24 hours, by result"
          columns={[...INBOUND_LOG_RESULTS.map((r) => <a href={`/admin/inbound/?result=${r}`}>{INBOUND_RESULT_LABELS[r]}</a>), 'All']}
        >
          <tr>
            {INBOUND_LOG_RESULTS.map((r) => (
              <td>
                <a href={`/admin/inbound/?result=${r}`} data-kpi={`mail.inbound_24h.${r}`}>
                  {mail.inbound_24h[r]}
                </a>
              </td>
            ))}
            <td data-kpi="mail.inbound_24h.total">{mail.inbound_24h.total}</td>
          </tr>
        </DataTable>
      </ScrollRegion>
    </>
  );
}

/** What the dashboard shows: the §8 stats object, the email figures and the alarms (the JSON feed's object). */
export type DashboardFigures = Stats & { mail: MailStats; attention: Attention; /** Every team's name, for the team filter (§12). */ team_choices: string[] };

/** The dashboard's query for a window and a team (null: every team). */
const dashboardQuery = (window: StatsWindow, team: string | null) => `?window=${window}${team === null ? '' : `&team=${encodeURIComponent(team)}`}`;

/** The team filter (§12): every team, or one; shown once there is more than one team. */
function TeamFilter({ stats }: { stats: DashboardFigures }) {
  if (stats.team_choices.length < 2) return null;
  const choices: [string | null, string][] = [[null, 'All teams'], ...stats.team_choices.map((t): [string, string] => [t, t])];
  return (
    <nav aria-label="Team">
      <ul>
        {choices.map(([team, label]) => (
          <li>
            <a href={`/adminapp/dashboard/${dashboardQuery(stats.window, team)}`} aria-current={team === stats.team ? 'page' : undefined} class={team === stats.team ? '' : 'secondary'}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** What each dashboard chart says while it has nothing to draw; admin-dashboard.js (CHART_EMPTY) decides it the same way from the feed. */
const CHART_EMPTY = {
  states: { message: 'No tickets in this window.', none: (s: Stats) => s.total === 0 },
  closed: { message: 'No ticket closed in this window.', none: (s: Stats) => s.agents.every((a) => a.closed === 0) },
  breaches: { message: 'No breach in this window.', none: (s: Stats) => PRIORITIES.every((p) => s.sla.by_priority[p] === 0) },
  targets: { message: 'No target met or breached in this window.', none: (s: Stats) => SLA_METRICS.every((m) => PRIORITIES.every((p) => s.sla.targets[m].by_priority[p].met_share === null)) },
  csat: { message: 'No rating in this window.', none: (s: Stats) => s.agents.every((a) => a.csat.rated === 0) },
} as const;

function chartEmpty(stats: Stats, chart: keyof typeof CHART_EMPTY): { message: string; now: boolean } {
  return { message: CHART_EMPTY[chart].message, now: CHART_EMPTY[chart].none(stats) };
}

/** The words of the row of teams since deleted (admin-dashboard.js says the same). */
const DELETED_TEAMS = 'Teams since deleted';

/** The rows of Satisfaction per team: each team, then (keyed '') the teams since deleted, if rated. */
function teamCsatRows(teams: Stats['teams'], deleted: Stats['deleted_teams']): Stats['teams'] {
  return deleted === null ? teams : [...teams, { name: '', csat: deleted.csat }];
}

/**
 * Satisfaction per team (§13). The page's script keeps the rows current by team name
 * (admin-dashboard.js, TEAM_COLUMNS), as it keeps the agents' rows by username: a team deleted,
 * renamed or added while the page is open moves no figures onto another team's row. The ratings of
 * teams since deleted have a row of their own (keyed by the empty name, which no team can have), so
 * the rows add up to the Satisfaction card.
 */
function TeamSatisfaction({ teams, deleted }: { teams: Stats['teams']; deleted: Stats['deleted_teams'] }) {
  const rows = teamCsatRows(teams, deleted);
  // Always there, hidden while one row would only repeat the Satisfaction card: a team made while
  // the page is open then shows it (admin-dashboard.js), with no reload.
  return (
    <div id="team-csat-box" hidden={rows.length < 2}>
    <ScrollRegion label="Satisfaction per team">
    <DataTable id="team-csat" class="figures" caption="Satisfaction per team" columns={['Team', 'Rated', 'Good', 'Satisfaction']} bodyId="team-csat-rows">
      {rows.map((t) => (
        <tr data-team={t.name}>
          <td data-col="name">{t.name === '' ? DELETED_TEAMS : t.name}</td>
          <td data-col="rated">{t.csat.rated}</td>
          <td data-col="good">{t.csat.good}</td>
          <td data-col="score">{shareText(t.csat.score)}</td>
        </tr>
      ))}
    </DataTable>
    </ScrollRegion>
    </div>
  );
}

export function AdminDashboardPage({ viewer, csrf, flash, stats }: PageBase & { stats: DashboardFigures }) {
  const { attention } = stats;
  const feed = `/adminapp/dashboard/data.json${dashboardQuery(stats.window, stats.team)}`;
  return (
    <Layout title="Dashboard" viewer={viewer} csrf={csrf} flash={flash} scripts={['admin-dashboard.js']}>
      <hgroup>
        <h1>Dashboard</h1>
        <p>
          Tickets created in the window: <strong>{WINDOW_LABELS[stats.window]}</strong>
          {stats.team !== null && (
            <>
              {' '}
              of team <strong id="dashboard-team">{stats.team}</strong>
            </>
          )}
          . Figures refresh every 5 seconds.
        </p>
      </hgroup>
      <nav aria-label="Time window">
        <ul>
          {(Object.keys(WINDOW_LABELS) as StatsWindow[]).map((w) => (
            <li>
              <a href={`/adminapp/dashboard/${dashboardQuery(w, stats.team)}`} aria-current={w === stats.window ? 'page' : undefined} class={w === stats.window ? '' : 'secondary'}>
                {WINDOW_LABELS[w]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <TeamFilter stats={stats} />
      {/* The one live region: a summary sentence, announced only when it changes (the figures below update silently). */}
      <p id="dashboard-summary" class="dashboard-summary" role="status" data-level={attention.level}>
        {attention.summary}
      </p>
      {/* Shown by the page script while its feed fails: the figures below are then from an earlier time. */}
      <p id="dashboard-stale" class="flash flash-warning" hidden></p>
      <section id="dashboard" data-feed={feed} data-window={stats.window}>
        <AttentionPanel attention={attention} span={resolutionText} outbox={stats.mail.outbox} team={stats.team} />

        <h2>Tickets</h2>
        <div class="grid kpis">
          <Kpi label="Total" name="total" team={stats.team} value={stats.total} />
          <Kpi label="Waiting (pending)" name="pending" team={stats.team} value={stats.pending} level={attention.cards.pending} alarmNote="Nobody available to take them" />
          <Kpi label="Assigned (open)" name="open" team={stats.team} value={stats.open} />
          <Kpi label="Closed" name="closed" team={stats.team} value={stats.closed} />
        </div>

        <h2>SLA</h2>
        <div class="grid kpis">
          <Kpi label="Breached" name="sla.breached" team={stats.team} value={stats.sla.breached} />
          <Kpi label="Open and overdue" name="sla.open_overdue" team={stats.team} value={stats.sla.open_overdue} level={attention.cards.open_overdue} alarmNote="Past the SLA deadline: act now" />
          <Kpi label="Closed late" name="sla.closed_late" team={stats.team} value={stats.sla.closed_late} />
          <Kpi label="Breach rate" name="sla.breach_rate" team={stats.team} value={percentText(stats.sla.breach_rate)} note="breached ÷ total" />
        </div>
        <DataTable class="figures" caption="Breaches by priority" columns={['High', 'Medium', 'Low']}>
          <tr>
            {PRIORITIES.map((p) => (
              <td>
                <a href={teamListHref(FIGURE_LINKS[`sla.by_priority.${p}`]!, stats.team)} data-kpi={`sla.by_priority.${p}`}>
                  {stats.sla.by_priority[p]}
                </a>
              </td>
            ))}
          </tr>
        </DataTable>

        <DurationFigures title="Resolution time" note="From creation to closing, over the closed tickets of the window." name="resolution" figures={stats.resolution} />
        <DurationFigures
          title="First response"
          note="From creation to the first public reply, over the tickets of the window that have one."
          name="first_response"
          figures={stats.first_response}
        />

        <h2>SLA targets</h2>
        <p>
          <small>
            A reply or close at or before the due time meets a target; an open ticket counts as breached once the monitor has recorded it. A ticket closed without any reply meets or
            breaches its first-response target by its close.
          </small>
        </p>
        <TargetFigures targets={stats.sla.targets} />

        <h2>Customer satisfaction</h2>
        <p>
          <small>The customers' ratings of the window's closed tickets (Good or Bad, from the closed email); a rating counts for the agent who closed the ticket.</small>
        </p>
        <div class="grid kpis">
          <Kpi label="Rated" name="csat.rated" value={stats.csat.rated} />
          <Kpi label="Good" name="csat.good" value={stats.csat.good} />
          <Kpi label="Satisfaction" name="csat.score" value={shareText(stats.csat.score)} note="good ÷ rated" />
        </div>
        <TeamSatisfaction teams={stats.teams} deleted={stats.deleted_teams} />

        <h2>Charts</h2>
        <div class="grid charts">
          <ChartFigure id="chart-states" label="Pie chart of waiting, assigned and closed tickets" caption="Waiting, assigned, closed" empty={chartEmpty(stats, 'states')} />
          <ChartFigure id="chart-closed" label="Bar chart of closed tickets per agent" caption="Closed per agent" empty={chartEmpty(stats, 'closed')} />
          <ChartFigure id="chart-breaches" label="Bar chart of SLA breaches by priority" caption="Breaches by priority" empty={chartEmpty(stats, 'breaches')} />
          <ChartFigure id="chart-targets" label="Bar chart of the share of each SLA target met, by priority" caption="Share met per target" empty={chartEmpty(stats, 'targets')} />
          <ChartFigure id="chart-csat" label="Stacked bar chart of good and bad customer ratings per agent" caption="Ratings per agent" empty={chartEmpty(stats, 'csat')} />
        </div>

        <h2>Agents</h2>
        <AgentTable agents={stats.agents} span={resolutionText} share={shareText} team={stats.team} />
        {/* Hidden by the page's script once the first agent appears (admin-dashboard.js updateFigures). */}
        <p class="empty-state" id="agents-empty" hidden={stats.agents.length > 0}>
          No agents yet. <a href="/adminapp/register/">Register one</a>.
        </p>

        <MailFigures mail={stats.mail} />
      </section>
    </Layout>
  );
}
