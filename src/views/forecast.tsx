/**
 * /adminapp/forecast/ (SPEC §14): the request form (a GET: the forecast only reads), and once run
 * the figures per number of agents, the answer to "how many do we need?", the backtest and a chart
 * of breaches against K (src/public/forecast-chart.js, with the dashboard's Chart.js).
 */
import { type ForecastFigures, holdingTimesCaveat } from '../core/forecast.js';
import type { ForecastAnswer } from '../services/forecast.js';
import { percentText, shareText } from '../core/shares.js';
import { ChartFigure, resolutionText } from './adminapp.js';
import { DataTable, ErrorSummary, type FormErrors, type FormValues, ScrollRegion, SelectField, TextField } from './components.js';
import { type Flash, Layout, type Viewer } from './layout.js';

export const FORECAST_FIELDS = ['from', 'to', 'team', 'k_min', 'k_max', 'target_percent', 'capacity', 'seed'] as const;

const waitText = (ms: number | null, unserved: number): string => (ms === null ? (unserved > 0 ? 'never served' : '—') : resolutionText(ms / 1000));

function Sentence({ answer }: { answer: ForecastAnswer }) {
  const { request, result } = answer;
  const target = `${request.targetPercent} %`;
  const agents = (k: number) => `${k} ${k === 1 ? 'agent' : 'agents'}`;
  // The lowest K of a range starting above 1: whether fewer would do was not replayed.
  if (result.neededAgents !== null && result.neededAgents === request.kMin && request.kMin > 1) {
    return (
      <p class="forecast-answer" data-needed={result.neededAgents}>
        <strong>
          {agents(result.neededAgents)} keep breaches at or under {target}, the fewest of this range: start it lower to see whether fewer would do.
        </strong>
      </p>
    );
  }
  if (result.neededAgents !== null) {
    return (
      <p class="forecast-answer" data-needed={result.neededAgents}>
        <strong>
          You need {agents(result.neededAgents)} to keep breaches at or under {target}.
        </strong>
      </p>
    );
  }
  return (
    <p class="forecast-answer" data-needed="">
      <strong>
        {request.kMin === request.kMax
          ? `${agents(request.kMin)} ${request.kMin === 1 ? 'does' : 'do'} not keep breaches at or under ${target}: try a higher range.`
          : `None of ${request.kMin}–${request.kMax} agents keeps breaches at or under ${target}: try a higher range.`}
      </strong>
    </p>
  );
}

function FigureCells({ f, utilisation }: { f: Omit<ForecastFigures, 'utilisation' | 'unserved'> & { unserved?: number }; utilisation?: number | null }) {
  return (
    <>
      <td>{percentText(f.breachRate)}</td>
      <td>{shareText(f.breachRateByPriority.high)}</td>
      <td>{shareText(f.breachRateByPriority.medium)}</td>
      <td>{shareText(f.breachRateByPriority.low)}</td>
      <td>{waitText(f.waitP50Ms, f.unserved ?? 0)}</td>
      <td>{waitText(f.waitP90Ms, f.unserved ?? 0)}</td>
      {utilisation !== undefined && <td>{shareText(utilisation)}</td>}
    </>
  );
}

const FIGURE_COLUMNS = ['Breaches', 'High', 'Medium', 'Low', 'Wait p50', 'Wait p90'];

function Results({ answer }: { answer: ForecastAnswer }) {
  const { result } = answer;
  const chart = JSON.stringify({ agents: result.rows.map((r) => r.agents), breaches: result.rows.map((r) => r.breachRate * 100), target: answer.request.targetPercent });
  return (
    <>
      <Sentence answer={answer} />
      {holdingTimesCaveat(answer.closedTickets) !== null && (
        <p class="forecast-caveat" data-caveat>
          {holdingTimesCaveat(answer.closedTickets)}
        </p>
      )}
      <p>
        <small>
          {answer.tickets.toLocaleString('en')} tickets replayed, capacity {answer.request.capacity} per agent, seed {answer.request.seed}, answered in {(answer.elapsedMs / 1000).toFixed(1)} s.
        </small>
      </p>
      <ScrollRegion label="Predicted figures per number of agents on duty">
<DataTable id="forecast-rows" caption="Predicted figures per number of agents on duty" columns={['Agents', ...FIGURE_COLUMNS, 'Utilisation']}>
        {result.rows.map((r) => (
          <tr data-agents={r.agents}>
            <th scope="row">{r.agents}</th>
            <FigureCells f={r} utilisation={r.utilisation} />
          </tr>
        ))}
      </DataTable>
</ScrollRegion>
      <div id="forecast-chart-data" hidden data-chart={chart}></div>
      <ChartFigure id="chart-forecast" label="Line chart of the predicted share of breaches against the number of agents" caption="Breaches (%) against agents on duty" />
      <h2>Backtest</h2>
      {result.backtest ? (
        <>
          <p>
            <small>
              The window replayed with the staffing that was really on duty ({result.backtest.actual.agentsSeen} agents in the presence history), beside what really happened.
            </small>
          </p>
          <ScrollRegion label="Backtest">
<DataTable id="forecast-backtest" columns={['', ...FIGURE_COLUMNS]}>
            <tr>
              <th scope="row">Predicted</th>
              <FigureCells f={result.backtest.predicted} />
            </tr>
            <tr>
              <th scope="row">Actual</th>
              <FigureCells f={result.backtest.actual} />
            </tr>
          </DataTable>
</ScrollRegion>
        </>
      ) : answer.presenceTruncated ? (
        <p>This window holds more presence changes than the backtest reads, so it is left out rather than replayed from part of them: choose a shorter window or a team.</p>
      ) : (
        <p>No presence was recorded in this window, so there is no staffing to replay.</p>
      )}
    </>
  );
}

export function ForecastPage({
  viewer,
  csrf,
  flash,
  values,
  errors,
  teams,
  answer,
}: {
  viewer: Viewer;
  csrf: string;
  flash: Flash | null;
  values: FormValues;
  errors: FormErrors;
  teams: { id: number; name: string }[];
  answer: ForecastAnswer | null;
}) {
  return (
    <Layout title="Staffing forecast" viewer={viewer} csrf={csrf} flash={flash} scripts={answer ? ['forecast-chart.js'] : []}>
      <section>
        <h1>Staffing forecast</h1>
        <p>
          How many agents does a week like this one need? The tickets that arrived in the window are replayed through the routing rules with each number of agents on duty during the
          SLA calendar's open hours, each ticket held for a time drawn from the real assignment-to-close times of its priority.
        </p>
        <ErrorSummary errors={errors} />
        <form method="get" action="/adminapp/forecast/" novalidate>
          <div class="grid">
            <TextField name="from" label="From" type="date" values={values} errors={errors} required />
            <TextField name="to" label="To" type="date" values={values} errors={errors} required hint="Included; at most 366 days after From." />
            <SelectField name="team" label="Team" values={values} errors={errors} options={[['', 'Every team'], ...teams.map((t): [string, string] => [String(t.id), t.name])]} />
          </div>
          <div class="grid">
            <TextField name="k_min" label="Fewest agents" type="number" values={values} errors={errors} />
            <TextField name="k_max" label="Most agents" type="number" values={values} errors={errors} hint="Up to 500, at most 50 values at once." />
            <TextField name="target_percent" label="Breach target" type="number" values={values} errors={errors} hint="In %." />
            <TextField name="capacity" label="Capacity" type="number" values={values} errors={errors} hint="Empty: the default capacity." />
            <TextField name="seed" label="Seed" type="number" values={values} errors={errors} />
          </div>
          <button type="submit">Forecast</button>
        </form>
        {answer && <Results answer={answer} />}
      </section>
    </Layout>
  );
}
