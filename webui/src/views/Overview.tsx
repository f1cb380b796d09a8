// The cluster at a glance: who leads, how many agents, frameworks and tasks, and the
// resources total, used and offered.
import type { Snapshot } from "../api";
import { Card, Head } from "../components/Card";
import { Chart } from "../components/Chart";
import type { ClusterHistory } from "../history";
import { link } from "../router";
import {
  formatResource,
  formatTime,
  resourceNames,
  resourceTotals,
  tasksByState,
  type ResourceName,
} from "../model";

function Bar(props: { used: number; offered: number; total: number }) {
  const percent = (value: number) => (props.total > 0 ? (100 * value) / props.total : 0);
  return (
    <div class="bar" aria-hidden="true">
      <span class="bar-used" style={{ width: `${percent(props.used)}%` }} />
      <span class="bar-offered" style={{ width: `${percent(props.offered)}%` }} />
    </div>
  );
}

function UsageCharts({ history }: { history: ClusterHistory }) {
  const points = (pick: (sample: ClusterHistory["samples"][number]) => number) =>
    history.samples.map((sample): [number, number] => [sample.at, pick(sample)]);
  return (
    <div class="charts">
      <Chart
        id="chart-cpus"
        title="CPUs"
        format={(value) => formatResource("cpus", value)}
        series={[
          { label: "total", color: "#98a2b3", dashed: true, points: points((s) => s.cpusTotal) },
          { label: "used", color: "#2f6fde", points: points((s) => s.cpusUsed) },
        ]}
      />
      <Chart
        id="chart-mem"
        title="Memory"
        format={(value) => formatResource("mem", value)}
        series={[
          { label: "total", color: "#98a2b3", dashed: true, points: points((s) => s.memTotal) },
          { label: "used", color: "#12805c", points: points((s) => s.memUsed) },
        ]}
      />
    </div>
  );
}

export function Overview({ snapshot, history }: { snapshot: Snapshot; history: ClusterHistory }) {
  const { state, metrics } = snapshot;
  const agents = state.slaves ?? [];
  const totals = resourceTotals(agents);
  const elected = metrics["master/elected"];
  const frameworks = state.frameworks ?? [];
  const activeFrameworks = frameworks.filter((framework) => framework.active !== false).length;
  const byState = tasksByState(metrics).filter((entry) => entry.count > 0);
  return (
    <div class="overview">
      <Card title="Master" id="master-card">
        <dl class="facts">
          <dt>Leader</dt>
          <dd data-testid="leader">{state.leader ?? "none"}</dd>
          <dt>This master</dt>
          <dd>{state.pid}</dd>
          <dt>Elected</dt>
          <dd data-testid="elected">
            {elected === undefined ? "unknown" : elected === 1 ? "yes (leading)" : "no"}
          </dd>
          <dt>Version</dt>
          <dd data-testid="version">{state.version}</dd>
          {state.cluster && (
            <>
              <dt>Cluster</dt>
              <dd>{state.cluster}</dd>
            </>
          )}
          <dt>Started</dt>
          <dd>{formatTime(state.start_time)}</dd>
        </dl>
      </Card>
      <Card title="Counts" id="counts-card">
        <dl class="facts">
          <dt>Agents</dt>
          <dd data-testid="agents-count">
            {state.activated_slaves ?? agents.length} active
            {(state.deactivated_slaves ?? 0) > 0 && `, ${state.deactivated_slaves} deactivated`}
            {(state.unreachable_slaves ?? 0) > 0 && `, ${state.unreachable_slaves} unreachable`}
          </dd>
          <dt>Frameworks</dt>
          <dd data-testid="frameworks-count">
            {activeFrameworks} active, {frameworks.length - activeFrameworks} inactive,{" "}
            {(state.completed_frameworks ?? []).length} completed
          </dd>
        </dl>
      </Card>
      <Card title="Tasks by state" id="tasks-card">
        {byState.length === 0 ? (
          <p class="muted">No tasks.</p>
        ) : (
          <ul class="states">
            {byState.map((entry) => (
              <li key={entry.state} class={`state state-${entry.state}`}>
                <span>{entry.state.replace(/_/g, " ")}</span>
                <strong data-testid={`tasks-${entry.state}`}>{entry.count}</strong>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <Card title="Resources" id="resources-card">
        <table class="resources">
          <thead>
            <tr>
              <th />
              <th>Total</th>
              <th>Used</th>
              <th>Offered</th>
              <th>Idle</th>
              <th class="bar-cell">Used / offered</th>
            </tr>
          </thead>
          <tbody>
            {resourceNames.map((name: ResourceName) => (
              <tr key={name} data-testid={`resource-${name}`}>
                <th>{name}</th>
                <td>{formatResource(name, totals.total[name])}</td>
                <td>{formatResource(name, totals.used[name])}</td>
                <td>{formatResource(name, totals.offered[name])}</td>
                <td>
                  {formatResource(
                    name,
                    Math.max(0, totals.total[name] - totals.used[name] - totals.offered[name]),
                  )}
                </td>
                <td class="bar-cell">
                  <Bar
                    used={totals.used[name]}
                    offered={totals.offered[name]}
                    total={totals.total[name]}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <Card title="Usage over time" id="usage-card">
        <UsageCharts history={history} />
      </Card>
      <Card title={`Agents (${agents.length})`} id="agents-card">
        {agents.length === 0 ? (
          <p class="muted">No agent is registered.</p>
        ) : (
          <table class="grid" id="agents-table">
            <Head columns={["Host", "ID", "CPUs", "Mem", "Disk", "Used CPUs", "Used mem", "Registered"]} />
            <tbody>
              {agents.slice(0, 200).map((agent) => (
                <tr key={agent.id} data-agent-id={agent.id}>
                  <td>
                    <a href={link("agents", agent.id)}>
                      {agent.hostname}
                      {agent.port ? `:${agent.port}` : ""}
                    </a>
                  </td>
                  <td class="mono">{agent.id}</td>
                  <td>{formatResource("cpus", Number(agent.resources?.cpus ?? 0))}</td>
                  <td>{formatResource("mem", Number(agent.resources?.mem ?? 0))}</td>
                  <td>{formatResource("disk", Number(agent.resources?.disk ?? 0))}</td>
                  <td>{formatResource("cpus", Number(agent.used_resources?.cpus ?? 0))}</td>
                  <td>{formatResource("mem", Number(agent.used_resources?.mem ?? 0))}</td>
                  <td>{formatTime(agent.registered_time)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {agents.length > 200 && (
          <p class="muted">The first 200 agents of {agents.length}: <a href="#/agents">all agents</a>.</p>
        )}
      </Card>
    </div>
  );
}
