// One agent: its resources and attributes (from the master), its containers with live
// cpu and memory usage and a chart of the agent's usage over time (through the master's
// proxy to the agent), the tasks the master places on it, and its flags.
import { useState } from "preact/hooks";
import type { Snapshot, Task } from "../api";
import { formatBytes } from "../agentModel";
import { Card, Facts, FilterBox, Head, KeyValues, ResourceList } from "../components/Card";
import { Chart } from "../components/Chart";
import { TaskList } from "../components/TaskList";
import type { GoneAgent } from "../history";
import { formatTime } from "../model";
import { link } from "../router";
import { containerKey, useContainers } from "../useContainers";
import { agentPath, usePolled } from "../usePolled";

function Containers({ agentId }: { agentId: string }) {
  const { containers, usages, samples, error, source, loaded } = useContainers(agentId);
  return (
    <>
      <Card title="Usage over time" id="agent-usage" wide>
        <div class="charts">
          <Chart
            id="agent-chart-cpus"
            title="CPUs in use"
            format={(value) => value.toFixed(2)}
            series={[{ label: "cpus", color: "#2f6fde", points: samples.map((s) => [s.at, s.cpus]) }]}
          />
          <Chart
            id="agent-chart-mem"
            title="Memory in use"
            format={(value) => formatBytes(value)}
            series={[{ label: "memory", color: "#12805c", points: samples.map((s) => [s.at, s.memBytes]) }]}
          />
        </div>
      </Card>
      <Card title={`Containers (${containers.length})`} id="agent-containers" wide>
        {error && !loaded && <p class="warning">Cannot read the agent's containers: {error.message}.</p>}
        {loaded && containers.length === 0 && <p class="muted">No containers run here.</p>}
        {containers.length > 0 && (
          <table class="grid" id="containers-table">
            <Head columns={["Container", "Executor", "Framework", "CPUs used", "CPU limit", "Memory", "Memory limit"]} />
            <tbody>
              {containers.map((container) => {
                const id = containerKey(container);
                const use = usages.get(id) ?? {};
                return (
                  <tr key={id} data-container-id={id}>
                    <td class="mono">{id.slice(0, 8)}</td>
                    <td>
                      <a href={link("tasks", container.framework_id ?? "", container.executor_id ?? "")}>
                        {container.executor_id}
                      </a>
                    </td>
                    <td class="mono small">{container.framework_id}</td>
                    <td data-testid="container-cpus">{use.cpus === undefined ? "…" : use.cpus.toFixed(3)}</td>
                    <td>{use.cpusLimit ?? ""}</td>
                    <td data-testid="container-mem">{formatBytes(use.memBytes)}</td>
                    <td>{formatBytes(use.memLimitBytes)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <p class="muted small">From the agent's {source}, every 2 s.</p>
      </Card>
    </>
  );
}

function AgentFlags({ agentId }: { agentId: string }) {
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState("");
  const flags = usePolled<{ flags?: Record<string, string> }>(open ? agentPath(agentId, "flags") : undefined, 60_000);
  return (
    <Card title="Flags" id="agent-flags" wide>
      {!open ? (
        <button type="button" id="show-agent-flags" onClick={() => setOpen(true)}>
          Show the agent's flags
        </button>
      ) : flags.data ? (
        <>
          <FilterBox id="agent-flag-filter" value={filter} onInput={setFilter} placeholder="Filter flags" />
          <KeyValues values={flags.data.flags ?? {}} filter={filter} id="agent-flags-table" />
        </>
      ) : (
        <p class="muted">{flags.error ? `Cannot read the flags: ${flags.error.message}.` : "Loading…"}</p>
      )}
    </Card>
  );
}

export function Agent(props: { snapshot: Snapshot; id: string; gone: Map<string, GoneAgent> }) {
  const { state } = props.snapshot;
  const gone = props.gone.get(props.id);
  const agent = (state.slaves ?? []).find((entry) => entry.id === props.id) ?? gone?.agent;
  if (!agent) return <p class="muted" id="not-found">The master knows no agent {props.id}.</p>;
  const tasks: Task[] = [];
  for (const framework of state.frameworks ?? []) {
    for (const task of [...(framework.tasks ?? []), ...(framework.unreachable_tasks ?? [])]) {
      if (task.slave_id === agent.id) tasks.push(task);
    }
  }
  return (
    <div class="stack" id="agent-page">
      <h1>
        {agent.hostname}
        {agent.port ? `:${agent.port}` : ""} <span class="mono muted">{agent.id}</span>
      </h1>
      {gone && (
        <p class="banner inline" id="agent-unreachable">
          UNREACHABLE: the master no longer lists this agent (last seen {new Date(gone.lastSeen).toLocaleTimeString()}).
        </p>
      )}
      <div class="columns">
        <Card title="Agent" id="agent-facts">
          <Facts
            items={[
              ["Status", gone ? "unreachable" : agent.active === false ? "deactivated" : "active"],
              ["Version", agent.version],
              ["PID", agent.pid],
              ["Registered", formatTime(agent.registered_time)],
              ["Capabilities", (agent.capabilities ?? []).join(", ")],
            ]}
          />
        </Card>
        <Card title="Resources" id="agent-resources">
          <Facts
            items={[
              ["Total", <ResourceList resources={agent.resources} testid="agent-total" />],
              ["Used", <ResourceList resources={agent.used_resources} />],
              ["Offered", <ResourceList resources={agent.offered_resources} />],
            ]}
          />
        </Card>
        <Card title="Attributes" id="agent-attributes">
          {Object.keys(agent.attributes ?? {}).length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <KeyValues values={agent.attributes ?? {}} />
          )}
        </Card>
      </div>
      {!gone && <Containers agentId={agent.id} />}
      <Card title={`Tasks on this agent (${tasks.length})`} id="agent-tasks" wide>
        <TaskList tasks={tasks} id="agent-task-list" />
      </Card>
      {!gone && <AgentFlags agentId={agent.id} />}
    </div>
  );
}
