import { type Flash, Layout, type Viewer } from './layout.js';

export interface QueueCounts {
  pending: number;
  open: number;
  closed: number;
}

/** The admin landing page; the full KPI dashboard is built on these counts. */
export function AdminDashboardPage({ viewer, csrf, flash, counts }: { viewer: Viewer; csrf: string; flash: Flash | null; counts: QueueCounts }) {
  return (
    <Layout title="Dashboard" viewer={viewer} csrf={csrf} flash={flash}>
      <h1>Dashboard</h1>
      <div class="grid kpis">
        <article>
          <header>Waiting</header>
          <p class="kpi" data-kpi="pending">{counts.pending}</p>
        </article>
        <article>
          <header>Assigned</header>
          <p class="kpi" data-kpi="open">{counts.open}</p>
        </article>
        <article>
          <header>Closed</header>
          <p class="kpi" data-kpi="closed">{counts.closed}</p>
        </article>
      </div>
    </Layout>
  );
}
