/**
 * The admin dashboard's alarm parts (issue 23 items 2, 4, 6 and 7): figure cards that link to their
 * filtered list and show their level in colour *and* words, the "Needs attention" panel, the one
 * sentence announced to screen readers, and the agents table (cells the script updates one by one;
 * one card per agent on a phone). src/public/admin-dashboard.js keeps them current with the same
 * markup: change one, change both.
 */
import type { ComponentChildren } from 'preact';
import { ALARM_WORDS, type AlarmLevel } from '../core/dashboardAttention.js';
import type { Attention, AttentionEmail, AttentionTicket } from '../services/attention.js';
import type { AgentStats } from '../services/stats.js';
import { DataTable, PriorityBadge } from './components.js';

/** Where each figure's number leads: the list of exactly those tickets or emails (whatever the window). */
export const FIGURE_LINKS: Record<string, string> = {
  total: '/admin/tickets/',
  pending: '/admin/tickets/?state=pending',
  open: '/admin/tickets/?state=open',
  closed: '/admin/tickets/?state=closed',
  'sla.breached': '/admin/tickets/?breached=yes',
  'sla.open_overdue': '/admin/tickets/?status=open&breached=yes',
  'sla.closed_late': '/admin/tickets/?status=closed&breached=yes',
  'sla.breach_rate': '/admin/tickets/?breached=yes',
  'sla.by_priority.high': '/admin/tickets/?priority=high&breached=yes',
  'sla.by_priority.medium': '/admin/tickets/?priority=medium&breached=yes',
  'sla.by_priority.low': '/admin/tickets/?priority=low&breached=yes',
  'mail.outbox.pending': '/admin/emails/?status=pending',
  'mail.outbox.sending': '/admin/emails/?status=sending',
  'mail.outbox.failed': '/admin/emails/?status=failed',
  'mail.outbox.bounced': '/admin/emails/?status=bounced',
};

/**
 * `href` for one team's dashboard (`team`; null: every team): a ticket list narrowed to the team's
 * tickets (`team=`, §12), as that dashboard's figures are; other lists (users, emails) as they are.
 */
export function teamListHref(href: string, team: string | null): string {
  return href.startsWith('/admin/tickets/') ? withTeam(href, team) : href;
}

/** `href` narrowed to team `team`'s records (null: as it is). */
function withTeam(href: string, team: string | null): string {
  return team === null ? href : `${href}${href.includes('?') ? '&' : '?'}team=${encodeURIComponent(team)}`;
}

/** The icon beside a level's words (the words say it; the icon is decoration). */
const LEVEL_ICONS: Record<AlarmLevel, string> = { alarm: '✖', warning: '⚠', calm: '✓' };

/** A level in words with its icon, e.g. "⛔ Act now". */
export function LevelBadge({ level }: { level: AlarmLevel }) {
  return (
    <span class={`badge level-badge level-${level}`} data-level={level}>
      <span aria-hidden="true">{LEVEL_ICONS[level]} </span>
      {ALARM_WORDS[level]}
    </span>
  );
}

/**
 * One figure: its label, its number (a link to its list when it has one) and, for cards that can
 * raise an alarm, a note in words that shows while the level is not calm (`level`: the card's class).
 */
export function Kpi({ label, name, value, note, level, alarmNote, team = null }: { label: string; name: string; value: string | number; note?: string; level?: AlarmLevel; alarmNote?: string; team?: string | null }) {
  const link = FIGURE_LINKS[name];
  const href = link === undefined ? undefined : teamListHref(link, team);
  return (
    <article class={level === undefined ? 'kpi-card' : `kpi-card level-${level}`} data-card={level === undefined ? undefined : name}>
      <header>{label}</header>
      <p class="kpi">
        {href ? (
          <a href={href} data-kpi={name}>
            {value}
          </a>
        ) : (
          <span data-kpi={name}>{value}</span>
        )}
      </p>
      {alarmNote && (
        <p class="level-note">
          <span aria-hidden="true">⚠ </span>
          {alarmNote}
        </p>
      )}
      {note && <small>{note}</small>}
    </article>
  );
}

/** A duration in seconds in the dashboard's words, e.g. "5 min" (resolutionText). */
type Span = (seconds: number | null) => string;

/** A held ticket's agent: a link to all its open tickets. */
const heldTicketsPath = (agent: string) => `/admin/tickets/?agent=${encodeURIComponent(agent)}&status=open`;

function TicketItem({ ticket, at, span, show }: { ticket: AttentionTicket; at: number; span: Span; show: 'overdue' | 'waiting' | 'holder' }) {
  const detail =
    show === 'holder' && ticket.agent !== null ? (
      <>
        held by <a href={heldTicketsPath(ticket.agent)}>{ticket.agent}</a> ({ticket.presence})
      </>
    ) : show === 'overdue' && ticket.sla_due_at !== null ? (
      `overdue by ${span((at - ticket.sla_due_at) / 1000)}`
    ) : (
      `waiting ${span((at - ticket.created_at) / 1000)}`
    );
  return (
    <li data-ticket={ticket.id}>
      <a href={`/admin/tickets/${ticket.id}/`}>{ticket.reference}</a> <bdi class="ticket-title">{ticket.title}</bdi> <PriorityBadge priority={ticket.priority} /> <small>{detail}</small>
    </li>
  );
}

function EmailItem({ email }: { email: AttentionEmail }) {
  return (
    <li data-email={email.id}>
      <a href={`/admin/emails/${email.id}/`}>Email #{email.id}</a> <small>{`${email.kind} to ${email.to_address}: ${email.status}`}</small>
    </li>
  );
}

/** Each section's words and list (narrowed to one team's on its dashboard: withTeam). */
const SECTION_TEXT = {
  breached_open: { title: 'Overdue tickets', none: 'No open ticket is past its deadline.', link: '/admin/tickets/?status=open&breached=yes' },
  waiting_unattended: { title: 'Waiting while nobody who may take them is available', none: 'No ticket waits without an available agent who may take it.', link: '/admin/tickets/?unattended=yes' },
  held_by_unavailable: { title: 'Held by agents who are away or offline', none: 'Every open ticket is with an available agent.', link: '/admin/tickets/?status=open&holder=unavailable' },
  undelivered_emails: { title: 'Emails not delivered', none: 'No failed or bounced email.', link: '/admin/emails/?status=undelivered' },
} as const;

/**
 * The "Needs attention" panel: each kind of problem with its count (a link to its list), its level
 * and its few most urgent items. On one team's dashboard (`team`) every section is the team's
 * (services/attention.ts), and the ticket lists it links to are too.
 */
export function AttentionPanel({ attention, span, outbox, team = null }: { attention: Attention; span: Span; outbox: { failed: number; bounced: number }; team?: string | null }) {
  const s = attention.sections;
  // Every section counts the team's own on its dashboard, the emails about its tickets included.
  const link = (name: keyof typeof SECTION_TEXT) => withTeam(SECTION_TEXT[name].link, team);
  const section = (name: keyof typeof SECTION_TEXT, items: ComponentChildren[], extra?: ComponentChildren) => (
    <article class={`attention level-${s[name].level}`} data-section={name} aria-labelledby={`attention-${name}`}>
      <header>
        <h3 id={`attention-${name}`}>
          {SECTION_TEXT[name].title}:{' '}
          <a href={link(name)} data-count>
            {s[name].count}
          </a>
        </h3>
        <LevelBadge level={s[name].level} />
      </header>
      {extra}
      <ul data-items hidden={items.length === 0}>
        {items}
      </ul>
      <p class="muted" data-none hidden={items.length > 0}>
        {SECTION_TEXT[name].none}
      </p>
    </article>
  );
  return (
    <section id="attention" aria-labelledby="attention-title" data-level={attention.level}>
      <h2 id="attention-title">Needs attention</h2>
      <div class="attention-grid">
        {section('breached_open', s.breached_open.items.map((t) => <TicketItem ticket={t} at={attention.at} span={span} show="overdue" />))}
        {section('waiting_unattended', s.waiting_unattended.items.map((t) => <TicketItem ticket={t} at={attention.at} span={span} show="waiting" />))}
        {section('held_by_unavailable', s.held_by_unavailable.items.map((t) => <TicketItem ticket={t} at={attention.at} span={span} show="holder" />))}
        {section(
          'undelivered_emails',
          s.undelivered_emails.items.map((e) => <EmailItem email={e} />),
          // The desk's figures by status: on one team's dashboard the count above is the team's alone.
          team === null && (
            <p>
              <a href={FIGURE_LINKS['mail.outbox.failed']} data-kpi="mail.outbox.failed">
                {outbox.failed}
              </a>{' '}
              failed (given up) ·{' '}
              <a href={FIGURE_LINKS['mail.outbox.bounced']} data-kpi="mail.outbox.bounced">
                {outbox.bounced}
              </a>{' '}
              bounced (address to correct)
            </p>
          ),
        )}
      </div>
    </section>
  );
}

const PRESENCE_LABELS = { available: 'Available', away: 'Away', offline: 'Offline' } as const;

/** The agents, one row each (one card each on a phone: table.stack with a label per cell). The script updates changed cells only. */
/** An agent's satisfaction (§13) in a cell: the share good and of how many ratings; the same words as admin-dashboard.js. */
export function csatText(csat: AgentStats['csat'], share: (value: number | null) => string): string {
  return csat.rated === 0 ? '—' : `${share(csat.score)} of ${csat.rated}`;
}

/**
 * An agent's tickets (`filter`: more of the list's query, or none), of one team on its dashboard
 * (`team`), as the row's figures are. src/public/admin-dashboard.js agentTickets says the same.
 */
export function agentTicketsHref(username: string, filter: string, team: string | null): string {
  return teamListHref(`/admin/tickets/?agent=${encodeURIComponent(username)}${filter === '' ? '' : `&${filter}`}`, team);
}

export function AgentTable({ agents, span, share, team = null }: { agents: AgentStats[]; span: Span; share: (value: number | null) => string; team?: string | null }) {
  const tickets = (a: AgentStats, filter: string) => agentTicketsHref(a.username, filter, team);
  return (
    <DataTable class="striped stack" id="agent-table" bodyId="agent-rows" columns={['Agent', 'Presence', 'Open', 'Closed', 'Average resolution', 'Breaches', 'Satisfaction']}>
      {agents.map((a) => (
        <tr data-agent={a.username}>
          <td data-label="Agent" data-col="username">
            <a href={tickets(a, '')}>{a.username}</a>
          </td>
          <td data-label="Presence" data-col="presence">
            <span class={`badge presence-${a.presence}`}>{PRESENCE_LABELS[a.presence]}</span>
          </td>
          <td data-label="Open" data-col="open">
            <a href={tickets(a, 'status=open')}>{a.open}</a>
          </td>
          <td data-label="Closed" data-col="closed">
            <a href={tickets(a, 'status=closed')}>{a.closed}</a>
          </td>
          <td data-label="Average resolution" data-col="avg_resolution_seconds">
            {span(a.avg_resolution_seconds)}
          </td>
          <td data-label="Breaches" data-col="breached">
            <a href={tickets(a, 'breached=yes')}>{a.breached}</a>
          </td>
          <td data-label="Satisfaction" data-col="csat">
            {csatText(a.csat, share)}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
