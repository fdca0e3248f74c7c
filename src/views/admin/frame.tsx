/** The admin data browser's frame and list pieces: breadcrumb, filter form, search, pager, badges. */
import type { ComponentChildren } from 'preact';
import type { Page } from '../../repositories/adminLists.js';
import { EmptyState, type FormErrors, type FormValues, TextField } from '../components.js';
import { type Flash, Layout, type Viewer } from '../layout.js';

export interface PageBase {
  viewer: Viewer;
  csrf: string;
  flash: Flash | null;
}

function Breadcrumb({ trail }: { trail: [string, string | null][] }) {
  return (
    <nav aria-label="breadcrumb">
      <ul>
        <li>
          <a href="/admin/">Data</a>
        </li>
        {trail.map(([label, href]) => (
          <li>{href ? <a href={href}>{label}</a> : label}</li>
        ))}
      </ul>
    </nav>
  );
}

export function AdminFrame({ title, trail, viewer, csrf, flash, children, now }: PageBase & { title: string; trail: [string, string | null][]; children: ComponentChildren; now?: number }) {
  return (
    <Layout title={title} viewer={viewer} csrf={csrf} flash={flash} now={now}>
      <Breadcrumb trail={trail} />
      {children}
    </Layout>
  );
}

export function DateField({ name, label, values, errors }: { name: string; label: string; values: FormValues; errors: FormErrors }) {
  return (
    <label for={name}>
      {label}
      <input type="date" id={name} name={name} value={values[name] ?? ''} aria-invalid={errors[name] ? 'true' : undefined} aria-describedby={errors[name] ? `${name}-error` : undefined} />
      {errors[name] && (
        <small id={`${name}-error`} class="field-error" role="alert">
          {errors[name]}
        </small>
      )}
    </label>
  );
}

/** The `from` and `until` days of a list's filters (adminFilters' dateRange). */
export function DateRangeFields({ values, errors }: { values: FormValues; errors: FormErrors }) {
  return (
    <div class="grid">
      <DateField name="from" label="From" values={values} errors={errors} />
      <DateField name="to" label="Until" values={values} errors={errors} />
    </div>
  );
}

export const any = (options: [string, string][]): [string, string][] => [['', 'Any'], ...options];

export function FilterForm({ action, values, errors, children }: { action: string; values: FormValues; errors: FormErrors; children: ComponentChildren }) {
  return (
    <details open={Object.keys(values).length > 0 || Object.keys(errors).length > 0}>
      <summary>Filters and search</summary>
      <form method="get" action={action} class="filters">
        {children}
        {values.per_page && <input type="hidden" name="per_page" value={values.per_page} />}
        <div class="grid">
          <button type="submit">Apply</button>
          <a href={action} role="button" class="secondary outline">
            Clear
          </a>
        </div>
      </form>
    </details>
  );
}

export function Search({ values, errors, label }: { values: FormValues; errors: FormErrors; label: string }) {
  return <TextField name="q" label={label} values={values} errors={errors} maxLength={200} />;
}

/** `path` with the list's filters as typed (and `more`, a page cursor) as its query. */
function filteredUrl(path: string, values: FormValues, more: Record<string, number> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== '') params.set(key, value);
  for (const [key, value] of Object.entries(more)) params.set(key, String(value));
  const query = params.toString();
  return query === '' ? path : `${path}?${query}`;
}

export function Pager({ path, values, page }: { path: string; values: FormValues; page: Page<unknown> }) {
  const url = (cursor: Record<string, number>) => filteredUrl(path, values, cursor);
  return (
    <nav aria-label="pages" class="pager">
      <ul>
        <li>{page.prevBefore !== null ? <a href={url({ before: page.prevBefore })} rel="prev">← Newer</a> : <span aria-disabled="true">← Newer</span>}</li>
      </ul>
      <ul>
        <li>{page.nextAfter !== null ? <a href={url({ after: page.nextAfter })} rel="next">Older →</a> : <span aria-disabled="true">Older →</span>}</li>
      </ul>
    </nav>
  );
}

export interface ListProps<R> extends PageBase {
  page: Page<R>;
  values: FormValues;
  errors: FormErrors;
}

/** A list's filters as typed, without the page size: what its export is asked for (every row under them). */
export function exportFilters({ per_page: _size, ...filters }: FormValues): FormValues {
  return filters;
}

/**
 * A list page: its filters, the rows and the pager. `exportPath`: the list's CSV export (README,
 * "Export"), linked with the filters as typed (every row under them, not the page: no cursor, no size).
 */
export function ListFrame<R>({ title, path, exportPath, props, filters, children, now }: { title: string; path: string; exportPath?: string; props: ListProps<R>; filters: ComponentChildren; children: ComponentChildren; now?: number }) {
  const { viewer, csrf, flash, page, values, errors } = props;
  const invalid = Object.keys(errors).length > 0;
  return (
    <AdminFrame title={title} trail={[[title, null]]} viewer={viewer} csrf={csrf} flash={flash} now={now}>
      <h1>{title}</h1>
      <FilterForm action={path} values={values} errors={errors}>
        {filters}
      </FilterForm>
      {exportPath !== undefined && !invalid && (
        <p>
          <a href={filteredUrl(exportPath, exportFilters(values))} id="export-csv" download>
            Export CSV
          </a>{' '}
          <small>every row under these filters, for a spreadsheet</small>
        </p>
      )}
      {invalid ? (
        <p class="flash flash-error" role="alert">
          Some filters are not valid; correct them to see the list.
        </p>
      ) : page.rows.length === 0 ? (
        <EmptyState>Nothing matches.</EmptyState>
      ) : (
        <>
          <div class="table-scroll">{children}</div>
          <Pager path={path} values={values} page={page} />
        </>
      )}
    </AdminFrame>
  );
}

export const PRESENCE_LABELS = { available: 'Available', away: 'Away', offline: 'Offline' } as const;

export function PresenceBadge({ presence }: { presence: keyof typeof PRESENCE_LABELS }) {
  return <span class={`badge presence-${presence}`}>{PRESENCE_LABELS[presence]}</span>;
}
