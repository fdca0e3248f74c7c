/**
 * `/adminapp/topics/` (§12): topics, which team they route to, whether the form offers them, their
 * skills with optional waits, their inbound addresses and default priority.
 */
import { skillAfterField } from '../core/teamForm.js';
import { skillNeedText } from '../core/teams.js';
import { type TopicTakers, topicTakers, topicTakersText } from '../core/topicTakers.js';
import type { TeamListing, TopicListing } from '../repositories/teams.js';
import { ActionForm, CsrfField, DataTable, ErrorSummary, type FormErrors, type FormValues, SelectField, ShownField, TextField, formTitle } from './components.js';
import { Layout } from './layout.js';
import { Breadcrumb, list, type PageBase, type SkillListing, TEAMS, TOPICS } from './teams.js';

/** The topics, with who may take each one's tickets (core/topicTakers.ts), from the teams and skills lists. */
export function TopicListPage({ viewer, csrf, flash, topics, teams, skills, active }: PageBase & { topics: readonly TopicListing[]; teams: readonly TeamListing[]; skills: readonly SkillListing[]; active: ReadonlySet<string> }) {
  return (
    <Layout title="Topics" viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>Topics</h1>
        <p>
          What customers pick on the form (asked only while more than one is offered) and what inbound addresses lead to. Each routes to a <a href={TEAMS}>team</a>; a ticket naming no topic gets the first one on the form.
        </p>
      </hgroup>
      <p>
        <a href={`${TOPICS}new/`} role="button">
          New topic
        </a>
      </p>
      <div class="table-scroll">
        <DataTable id="topics" class="striped stack" columns={['Topic', 'Team', 'On the form', 'Skills', 'Addresses', 'Default priority', 'Who may take it']}>
          {topics.map((t) => (
            <tr data-topic={t.id}>
              <td data-label="Topic" class="ticket-title">
                <span>
                  <a href={`${TOPICS}${t.id}/`}>{t.name}</a>
                </span>
              </td>
              <td data-label="Team">
                <span>{t.team}</span>
              </td>
              <td data-label="On the form">
                <span>{t.hidden ? 'hidden' : 'yes'}</span>
              </td>
              <td data-label="Skills">
                <span>{list(t.skills.map((s) => skillNeedText(s.name, s.optional_after_minutes)))}</span>
              </td>
              <td data-label="Addresses">
                <span>{list(t.addresses)}</span>
              </td>
              <td data-label="Default priority">
                <span>{t.default_priority ?? '—'}</span>
              </td>
              <td data-label="Who may take it">
                <TakersCell takers={topicTakers(t, teams, skills, active)} />
              </td>
            </tr>
          ))}
        </DataTable>
      </div>
    </Layout>
  );
}

export function TopicFormPage({
  viewer,
  csrf,
  flash,
  topic,
  teams,
  skills,
  values,
  shown,
  errors,
}: PageBase & { topic: TopicListing | null; teams: readonly TeamListing[]; skills: readonly SkillListing[]; values: FormValues; shown: FormValues; errors: FormErrors }) {
  const title = topic ? `Topic ${topic.name}` : 'New topic';
  const chosen = new Set((values.skills ?? '').split(',').map((v) => v.trim().toLowerCase()));
  const selected = { ...values, team: (values.team ?? '').toLowerCase() };
  return (
    <Layout title={formTitle(title, errors, 'topic')} viewer={viewer} csrf={csrf} flash={flash}>
      <Breadcrumb root={TOPICS} label="Topics" leaf={topic ? topic.name : 'New'} />
      <h1>{title}</h1>
      <ErrorSummary errors={errors} />
      <form method="post" action={topic ? `${TOPICS}${topic.id}/` : `${TOPICS}new/`} novalidate>
        <CsrfField token={csrf} />
        {topic && <ShownField values={shown} />}
        <div class="grid">
          <TextField name="name" label="Name" values={values} errors={errors} required maxLength={100} hint="What customers see on the form, such as Invoices." />
          <SelectField name="team" label="Team" values={selected} errors={errors} options={[['', 'Choose a team'], ...teams.map((t): [string, string] => [t.name.toLowerCase(), t.name])]} />
        </div>
        <div class="field">
          <label for="hidden">
            <input type="checkbox" id="hidden" name="hidden" checked={values.hidden === 'on'} aria-invalid={errors.hidden ? 'true' : undefined} aria-describedby={errors.hidden ? 'hidden-error' : 'hidden-hint'} /> Hidden from the form
          </label>
          <small id="hidden-hint" hidden={errors.hidden ? true : undefined}>
            Only its inbound addresses lead to it; the form and the API refuse it by name.
          </small>
          {errors.hidden && (
            <small id="hidden-error" class="field-error">
              {errors.hidden}
            </small>
          )}
        </div>
        <SelectField name="default_priority" label="Default priority" values={values} errors={errors} options={[['', 'None'], ['high', 'High'], ['medium', 'Medium'], ['low', 'Low']]} hint="The priority of mail to its addresses; none: the email channel’s." />
        <fieldset id="skills" tabindex={-1} aria-describedby={errors.skills ? 'skills-error' : 'skills-hint'}>
          <legend>
            <strong>Required skills</strong>
          </legend>
          <small id="skills-hint" hidden={errors.skills ? true : undefined}>
            Only agents holding every ticked skill take its tickets. A wait in minutes makes the skill optional once a ticket has waited that long.
          </small>
          {errors.skills && (
            <small id="skills-error" class="field-error">
              {errors.skills}
            </small>
          )}
          {skills.length === 0 && (
            <p>
              No skill yet: add them on the <a href={`${TEAMS}#skills`}>teams page</a>.
            </p>
          )}
          {skills.map((s) => (
            <div class="grid">
              <label>
                <input type="checkbox" name="skills" value={s.name} checked={chosen.has(s.name.toLowerCase())} /> {s.name}
              </label>
              <TextField name={skillAfterField(s.id)} label={`${s.name}: optional after (minutes)`} type="number" values={values} errors={errors} />
            </div>
          ))}
        </fieldset>
        <TextField name="addresses" label="Inbound addresses" values={values} errors={errors} maxLength={2000} hint="Comma-separated, such as billing@example.com: mail to them becomes a ticket of this topic." />
        <button type="submit">{topic ? 'Save' : 'Create topic'}</button>
      </form>
      {topic && <ActionForm action={`${TOPICS}${topic.id}/delete/`} csrf={csrf} class="secondary outline" label="Delete this topic" confirm="Delete this topic? Customers can no longer choose it." note="Its tickets keep their team and skills. The last topic on the form cannot be deleted." />}
    </Layout>
  );
}

/** Who may take a topic's tickets; nobody at all is marked, as it makes them wait for good. */
function TakersCell({ takers }: { takers: TopicTakers }) {
  const text = topicTakersText(takers);
  return takers.atOnce.length === 0 && takers.afterWait.length === 0 ? <strong class="badge level-badge level-warning" data-level="warning">{text}</strong> : <span>{text}</span>;
}
