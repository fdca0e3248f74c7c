/** /admin/users/: the user list and a user's detail page (capacity, deactivation, API tokens). */
import type { ApiTokenInfo } from '../../services/tokens.js';
import { referenceOf } from '../../core/tickets.js';
import type { TicketRow, UserRow } from '../../db/schema.js';
import type { UserListRow } from '../../repositories/adminLists.js';
import { ActionForm, type Column, CsrfField, DataTable, FormKeyField, EmptyState, ErrorSummary, type FormErrors, type FormValues, RecordTable, SelectField, ShownField, SlaBadge, TextField, Time } from '../components.js';
import { Boxes } from '../teams.js';
import { type PageBase, AdminFrame, any, Search, type ListProps, ListFrame, PresenceBadge } from './frame.js';

function userColumns(defaultCapacity: number): Column<UserListRow>[] {
  return [
    { title: 'Username', cell: (u) => <a href={`/admin/users/${u.id}/`}>{u.username}</a> },
    { title: 'Name', fit: 'wide', cell: (u) => u.display_name },
    { title: 'Role', cell: (u) => u.role },
    { title: 'Presence', cell: (u) => <PresenceBadge presence={u.presence} /> },
    { title: 'Open / capacity', cell: (u) => (u.role === 'agent' ? `${u.open_count} / ${u.capacity ?? defaultCapacity}${u.capacity === null ? ' (default)' : ''}` : '—') },
    { title: 'Active', cell: (u) => (u.active === 1 ? 'yes' : 'no') },
  ];
}

export function UserListPage(props: ListProps<UserListRow> & { defaultCapacity: number }) {
  const { values, errors, page, defaultCapacity } = props;
  const filters = (
    <>
      <div class="grid">
        <SelectField name="role" label="Role" values={values} errors={errors} options={any([['agent', 'Agent'], ['admin', 'Admin']])} />
        <SelectField name="active" label="Active" values={values} errors={errors} options={any([['yes', 'Yes'], ['no', 'No (deactivated)']])} />
        <SelectField name="presence" label="Presence" values={values} errors={errors} options={any([['available', 'Available'], ['away', 'Away'], ['offline', 'Offline']])} />
        <TextField name="team" label="Team" values={values} errors={errors} maxLength={64} />
      </div>
      <Search values={values} errors={errors} label="Search username, name or email" />
    </>
  );
  return (
    <ListFrame title="Users" path="/admin/users/" props={props} filters={filters}>
      <p>
        <a href="/adminapp/register/">Register a new agent or admin</a>
      </p>
      <RecordTable id="user-list" rows={page.rows} columns={userColumns(defaultCapacity)} rowData={(u) => ({ id: u.id })} />
    </ListFrame>
  );
}

export interface UserDetailProps extends PageBase {
  user: UserRow;
  openTickets: TicketRow[];
  /** The user's API tokens (never the secrets). */
  tokens: ApiTokenInfo[];
  /** Every team's and skill's name, for the agent's boxes. */
  teams: readonly string[];
  skills: readonly string[];
  /** The agent's teams and skills as comma lists (or as the refused form had them). */
  held: { teams: string; skills: string };
  /** The agent's teams and skills as stored now, for the form's `_shown` (core/formMerge.ts). */
  heldShown: { teams: string; skills: string };
  /** A token just created: shown on this one page only. */
  newToken?: { name: string; token: string } | undefined;
  /** The new-token form's one-time key. */
  formKey: string;
  defaultCapacity: number;
  values: FormValues;
  errors: FormErrors;
  now: number;
}

function ApiTokens({ user, tokens, newToken, csrf, formKey, values }: Pick<UserDetailProps, 'user' | 'tokens' | 'newToken' | 'csrf' | 'formKey' | 'values'>) {
  return (
    <section id="api-tokens" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      {newToken && (
        <div class="flash flash-success" role="status">
          <p>
            New token <strong>{newToken.name}</strong>. Copy it now: it is shown only this once.
          </p>
          <pre>
            <code id="new-token">{newToken.token}</code>
          </pre>
        </div>
      )}
      {tokens.length === 0 ? (
        <EmptyState>No API token.</EmptyState>
      ) : (
        <div class="table-scroll">
          {/* Cards on a phone (table.stack): the Revoke button was cut off at 390 px. */}
          <DataTable class="stack" columns={['Name', 'Created', 'Last used', 'State']}>
              {tokens.map((t) => (
                <tr data-token={t.id}>
                  <td data-label="Name">{t.name}</td>
                  <td data-label="Created">
                    <Time ms={t.createdAt} />
                  </td>
                  <td data-label="Last used">{t.lastUsedAt === null ? 'never' : <Time ms={t.lastUsedAt} />}</td>
                  <td data-label="State" class="actions">
                    {t.revokedAt !== null ? (
                      'revoked'
                    ) : (
                      <ActionForm action={`/admin/users/${user.id}/tokens/${t.id}/revoke/`} csrf={csrf} class="secondary small" ariaLabel={`Revoke token ${t.name}`} label="Revoke" />
                    )}
                  </td>
                </tr>
              ))}
          </DataTable>
        </div>
      )}
      {user.active === 1 && (
        <form method="post" action={`/admin/users/${user.id}/tokens/`}>
          <CsrfField token={csrf} />
          <FormKeyField value={formKey} />
          <label for="token-name">
            What is it for?
            <input id="token-name" name="name" maxLength={100} placeholder="e.g. website contact form" value={values.name ?? ''} />
          </label>
          <button type="submit">Create API token</button>
        </form>
      )}
    </section>
  );
}

/** Display name, email and a new password: any account's, an admin's own included. */
/** The current password asked on one's own account (never shown again: `values` empty). */
function CurrentPasswordField({ name, errors, hint }: { name: string; errors: FormErrors; hint: string }) {
  return <TextField name={name} label="Current password" type="password" autocomplete="current-password" values={{}} errors={errors} hint={hint} />;
}

function ProfileForm({ user, csrf, values, errors, isSelf }: Pick<UserDetailProps, 'user' | 'csrf' | 'values' | 'errors'> & { isSelf: boolean }) {
  const shown = { display_name: user.display_name, email: user.email, ...values, password: '' };
  return (
    <section id="profile" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <form method="post" action={`/admin/users/${user.id}/profile/`} novalidate>
        <CsrfField token={csrf} />
        <div class="grid">
          <TextField name="display_name" label="Display name" values={shown} errors={errors} hint="Shown to customers in emails and on their status page." />
          <TextField
            name="email"
            label="Email"
            type="email"
            values={shown}
            errors={errors}
            hint={user.role === 'admin' ? 'Where SLA alerts about waiting tickets go.' : 'Where SLA alerts about their tickets go.'}
          />
        </div>
        <TextField
          name="password"
          label="New password"
          type="password"
          autocomplete="new-password"
          values={shown}
          errors={errors}
          hint={isSelf ? 'Leave empty to keep it. A new one logs you out everywhere else.' : 'Leave empty to keep it. A new one logs them out everywhere.'}
        />
        {isSelf && <CurrentPasswordField name="current_password" errors={errors} hint="Your own account: needed for a new password or a new email address, as on My account." />}
        <button type="submit">Save profile</button>
      </form>
    </section>
  );
}

/** An agent's teams and skills (§12): routing gives it only tickets of its teams whose skills it holds. */
function TeamsAndSkills({ user, csrf, teams, skills, held, heldShown, errors }: Pick<UserDetailProps, 'user' | 'csrf' | 'teams' | 'skills' | 'held' | 'heldShown' | 'errors'>) {
  return (
    <section id="teams-skills" aria-labelledby="teams-heading">
      <h2 id="teams-heading">Teams and skills</h2>
      <form method="post" action={`/admin/users/${user.id}/teams/`} novalidate>
        <CsrfField token={csrf} />
        <ShownField values={heldShown} />
        <div class="grid">
          <Boxes name="teams" legend="Teams" hint="It takes tickets of these teams. While it holds open tickets it keeps at least one." values={held} errors={errors} options={teams.map((t) => [t, t])} />
          <Boxes name="skills" legend="Skills" hint="Topics may require skills; add skills on the Teams page." values={held} errors={errors} options={skills.map((k) => [k, k])} />
        </div>
        <button type="submit">Save teams and skills</button>
      </form>
    </section>
  );
}

export function UserDetailPage({ viewer, csrf, flash, user, openTickets, tokens, newToken, formKey, teams, skills, held, heldShown, defaultCapacity, values, errors, now }: UserDetailProps) {
  const isSelf = viewer.username === user.username;
  return (
    <AdminFrame title={user.username} trail={[['Users', '/admin/users/'], [user.username, null]]} viewer={viewer} csrf={csrf} flash={flash} now={now}>
      <hgroup>
        <h1>{user.display_name}</h1>
        <p>
          {user.username} · {user.role} · <PresenceBadge presence={user.presence} /> {user.active === 1 ? '' : <strong class="badge sla-breached">deactivated</strong>}
        </p>
      </hgroup>
      <ErrorSummary errors={errors} />
      <div class="grid">
        <dl class="facts">
          <dt>Email</dt>
          <dd>{user.email || '—'}</dd>
          <dt>Capacity</dt>
          <dd>{user.role === 'agent' ? (user.capacity === null ? `${defaultCapacity} (the default)` : String(user.capacity)) : '—'}</dd>
          <dt>Last ticket received</dt>
          <dd>{user.last_assigned_at === null ? 'never' : <Time ms={user.last_assigned_at} />}</dd>
          <dt>Registered</dt>
          <dd>
            <Time ms={user.created_at} />
          </dd>
          <dt>History</dt>
          <dd>
            <a href={`/admin/tickets/?agent=${encodeURIComponent(user.username)}`}>tickets</a> · <a href={`/admin/events/?agent=${encodeURIComponent(user.username)}`}>events</a>
          </dd>
        </dl>
        <article id="user-actions">
          <header>Actions</header>
          {user.role === 'agent' && user.active === 1 && (
            <form method="post" action={`/admin/users/${user.id}/capacity/`} novalidate>
              <CsrfField token={csrf} />
              <TextField name="capacity" label="Capacity" type="number" values={values} errors={errors} hint={`Empty: the default (${defaultCapacity}). Raising it pulls waiting tickets at once.`} />
              <button type="submit">Save capacity</button>
            </form>
          )}
          {user.active === 1 ? (
            isSelf ? (
              <p>
                <small>You cannot deactivate your own account.</small>
              </p>
            ) : (
              <ActionForm
                action={`/admin/users/${user.id}/deactivate/`}
                csrf={csrf}
                class="contrast"
                label="Deactivate"
                note="Logs them out for good; their open tickets go back to the queue and to other agents."
              />
            )
          ) : (
            <ActionForm action={`/admin/users/${user.id}/reactivate/`} csrf={csrf} label="Reactivate" note="They can log in again." />
          )}
          {user.totp_secret !== null && isSelf ? (
            // One's own second factor: the current password first, as on My account (core/twoFactor.ts ownResetNeeds).
            <form method="post" action={`/admin/users/${user.id}/two-factor/reset/`}>
              <CsrfField token={csrf} />
              {/* Its own name: the profile form below has `current_password` on this page too (one id each). */}
              <CurrentPasswordField name="reset_current_password" errors={errors} hint="Your own second factor: removed with your current password only." />
              <button type="submit" class="secondary">
                Reset two-factor sign-in
              </button>
            </form>
          ) : user.totp_secret !== null ? (
            <ActionForm
              action={`/admin/users/${user.id}/two-factor/reset/`}
              csrf={csrf}
              class="secondary"
              label="Reset two-factor sign-in"
              note="For a lost phone: removes their second factor and recovery codes; they set it up again."
            />
          ) : (
            <p id="two-factor-off">
              <small>Two-factor sign-in: off.</small>
            </p>
          )}
        </article>
      </div>
      <ProfileForm user={user} csrf={csrf} values={values} errors={errors} isSelf={isSelf} />
      {user.role === 'agent' && <TeamsAndSkills user={user} csrf={csrf} teams={teams} skills={skills} held={held} heldShown={heldShown} errors={errors} />}
      {user.role === 'agent' && (
        <>
          <h2>Open tickets</h2>
          {openTickets.length === 0 ? (
            <EmptyState>No open ticket.</EmptyState>
          ) : (
            <ul id="open-tickets">
              {openTickets.map((t) => (
                <li>
                  <a href={`/admin/tickets/${t.id}/`}>{referenceOf(t.id)}</a> <bdi>{t.title}</bdi> <SlaBadge dueAt={t.sla_due_at} now={now} paused={t.sla_paused_at !== null} />
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <ApiTokens user={user} tokens={tokens} newToken={newToken} csrf={csrf} formKey={formKey} values={values} />
    </AdminFrame>
  );
}
