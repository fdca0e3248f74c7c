/** `/adminapp/replies/`: the canned replies admins keep for agents (§9), with their placeholders explained. */
import type { CannedReplyRow } from '../db/schema.js';
import { ActionForm, CsrfField, DataTable, EmptyState, ErrorSummary, type FormErrors, type FormValues, TextArea, TextField, Time, formTitle } from './components.js';
import { type Flash, Layout, type Viewer } from './layout.js';

export const CANNED_REPLY_FIELDS = ['name', 'body'] as const;

interface PageBase {
  viewer: Viewer;
  csrf: string;
  flash: Flash | null;
}

const PLACEHOLDER_HELP: [string, string][] = [
  ['{{customer_name}}', 'the customer’s name as on the ticket'],
  ['{{reference}}', 'the ticket’s reference, e.g. HD-42'],
  ['{{agent_name}}', 'the display name of whoever sends it'],
  ['{{status_url}}', 'the link to the customer’s status page'],
];

function PlaceholderHelp() {
  return (
    <details id="placeholders">
      <summary>Placeholders</summary>
      <p>These are replaced when an agent sends the reply; the customer receives (and the thread keeps) the filled text. Any other text in double braces is sent as written.</p>
      <dl class="facts">
        {PLACEHOLDER_HELP.map(([name, meaning]) => (
          <>
            <dt>
              <code>{name}</code>
            </dt>
            <dd>{meaning}</dd>
          </>
        ))}
      </dl>
    </details>
  );
}

function ReplyFields({ values, errors }: { values: FormValues; errors: FormErrors }) {
  return (
    <>
      <TextField name="name" label="Name" values={values} errors={errors} required maxLength={100} hint="What agents pick from the list; unique in any letter case." />
      <TextArea name="body" label="Text" values={values} errors={errors} required maxLength={50_000} hint="Up to 50,000 characters; placeholders below." />
    </>
  );
}

/** A line of the text, to tell replies apart in the list. */
function excerpt(body: string): string {
  const line = body.trim().split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

export function CannedReplyListPage({ viewer, csrf, flash, replies, values, errors }: PageBase & { replies: readonly CannedReplyRow[]; values: FormValues; errors: FormErrors }) {
  return (
    <Layout title={Object.keys(errors).length ? 'Check the canned reply' : 'Canned replies'} viewer={viewer} csrf={csrf} flash={flash}>
      <hgroup>
        <h1>Canned replies</h1>
        <p>Texts agents pick into the reply box on a ticket, then edit or send as they are.</p>
      </hgroup>
      {replies.length === 0 ? (
        <EmptyState title="No canned replies yet">Add the answers your team writes again and again below.</EmptyState>
      ) : (
        <div class="table-scroll">
          <DataTable id="canned-replies" class="striped stack" columns={['Name', 'Begins with', 'Changed', <span class="visually-hidden">Actions</span>]}>
            {replies.map((r) => (
              <tr data-canned-reply={r.id}>
                <td data-label="Name" class="ticket-title">
                  <span>
                    <a href={`/adminapp/replies/${r.id}/`}>{r.name}</a>
                  </span>
                </td>
                <td data-label="Begins with" class="ticket-title">
                  <span>{excerpt(r.body)}</span>
                </td>
                <td data-label="Changed">
                  <span>
                    <Time ms={r.updated_at} />
                  </span>
                </td>
                <td data-label="" class="actions">
                  <ActionForm
                    action={`/adminapp/replies/${r.id}/delete/`}
                    csrf={csrf}
                    confirm={`Delete the canned reply ${r.name}? This cannot be undone.`}
                    class="secondary outline small"
                    label={
                      <>
                        Delete<span class="visually-hidden"> {r.name}</span>
                      </>
                    }
                  />
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
      )}
      <section aria-labelledby="new-heading">
        <h2 id="new-heading">New canned reply</h2>
        <ErrorSummary errors={errors} />
        <form method="post" action="/adminapp/replies/" enctype="multipart/form-data" novalidate>
          <CsrfField token={csrf} />
          <ReplyFields values={values} errors={errors} />
          <button type="submit">Add canned reply</button>
        </form>
        <PlaceholderHelp />
      </section>
    </Layout>
  );
}

export function CannedReplyEditPage({ viewer, csrf, flash, reply, values, errors }: PageBase & { reply: CannedReplyRow; values: FormValues; errors: FormErrors }) {
  return (
    <Layout title={formTitle(`Canned reply: ${reply.name}`, errors, 'canned reply')} viewer={viewer} csrf={csrf} flash={flash}>
      <nav aria-label="breadcrumb">
        <ul>
          <li>
            <a href="/adminapp/replies/">Canned replies</a>
          </li>
          <li>{reply.name}</li>
        </ul>
      </nav>
      <h1>Edit canned reply</h1>
      <ErrorSummary errors={errors} />
      <form method="post" action={`/adminapp/replies/${reply.id}/`} enctype="multipart/form-data" novalidate>
        <CsrfField token={csrf} />
        <ReplyFields values={values} errors={errors} />
        <button type="submit">Save</button>
      </form>
      <PlaceholderHelp />
      <ActionForm action={`/adminapp/replies/${reply.id}/delete/`} csrf={csrf} class="secondary outline" label="Delete this canned reply" confirm="Delete this canned reply? This cannot be undone." note="Messages already sent with it keep their text." />
    </Layout>
  );
}
