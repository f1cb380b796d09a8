// One task: its state history (every status with its time, source, reason and message),
// its resources, and, from its agent through the master's proxy, its sandbox (browse,
// live tail, download) and its container's isolation and live statistics.
import type { Snapshot, Task as TaskInfo } from "../api";
import { containerId, findExecutor, formatBytes, idOf, type AgentState, type Container } from "../agentModel";
import { Card, Facts, Head, ResourceList } from "../components/Card";
import { Isolation } from "../components/Isolation";
import { Sandbox } from "../components/Sandbox";
import { formatTime, shortState } from "../model";
import { link } from "../router";
import { Chart } from "../components/Chart";
import { containerKey, useContainers } from "../useContainers";
import { agentPath, usePolled } from "../usePolled";

function findTask(snapshot: Snapshot, frameworkId: string, taskId: string) {
  const { state } = snapshot;
  for (const framework of [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])]) {
    if (framework.id !== frameworkId) continue;
    const all = [
      ...(framework.tasks ?? []),
      ...(framework.unreachable_tasks ?? []),
      ...(framework.completed_tasks ?? []),
    ];
    const task = all.find((entry) => entry.id === taskId);
    if (task) return { task, framework };
  }
  return undefined;
}

function History({ task }: { task: TaskInfo }) {
  const statuses = task.statuses ?? [];
  if (statuses.length === 0) return <p class="muted">No status yet.</p>;
  return (
    <table class="grid" id="task-history">
      <Head columns={["State", "Time", "Source", "Reason", "Message"]} />
      <tbody>
        {statuses.map((status, index) => {
          const state = shortState(status.state);
          return (
            <tr key={index} data-state={status.state}>
              <td class={`state state-${state.toLowerCase()}`}>{state}</td>
              <td data-testid="status-time">{formatTime(status.timestamp)}</td>
              <td>{status.source?.replace(/^SOURCE_/, "").toLowerCase()}</td>
              <td class="mono small">{status.reason}</td>
              <td>{status.message}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

// The task's container among the agent's, by container id (/containers) or, from
// /monitor/statistics (no ids), by executor.
function ContainerDetails(props: { agentId: string; id?: string; executorId?: string }) {
  const { containers, usages, history, error, loaded } = useContainers(props.agentId);
  const container: Container | undefined =
    containers.find((entry) => props.id && containerId(entry) === props.id) ??
    containers.find((entry) => !containerId(entry) && props.executorId && entry.executor_id === props.executorId);
  if (!loaded) return <p class="muted">{error ? `Cannot read the agent's containers: ${error.message}.` : "Loading…"}</p>;
  if (!container) return <p class="muted">The container is gone (the task has ended).</p>;
  const use = usages.get(containerKey(container)) ?? {};
  const samples = history.get(containerKey(container)) ?? [];
  return (
    <>
      <div class="charts" id="task-usage">
        <Chart
          id="task-chart-cpus"
          title="CPUs in use"
          format={(value) => value.toFixed(3)}
          series={[
            { label: "cpus", color: "#2f6fde", points: samples.map((s) => [s.at, s.cpus]) },
            ...(use.cpusLimit === undefined
              ? []
              : [{ label: "limit", color: "#999", dashed: true, points: samples.map((s) => [s.at, use.cpusLimit ?? 0] as [number, number]) }]),
          ]}
        />
        <Chart
          id="task-chart-mem"
          title="Memory in use"
          format={(value) => formatBytes(value)}
          series={[
            { label: "memory", color: "#12805c", points: samples.map((s) => [s.at, s.memBytes]) },
            ...(use.memLimitBytes === undefined
              ? []
              : [{ label: "limit", color: "#999", dashed: true, points: samples.map((s) => [s.at, use.memLimitBytes ?? 0] as [number, number]) }]),
          ]}
        />
      </div>
      <Facts
        id="container-usage"
        items={[
          ["CPUs in use", use.cpus === undefined ? "…" : use.cpus.toFixed(3)],
          ["CPU limit", use.cpusLimit === undefined ? undefined : String(use.cpusLimit)],
          ["Memory", formatBytes(use.memBytes)],
          ["Memory limit", formatBytes(use.memLimitBytes)],
        ]}
      />
      <h3>Isolation</h3>
      <Isolation isolation={container.isolation} />
    </>
  );
}

function AgentSide({ agentId, frameworkId, task }: { agentId: string; frameworkId: string; task: TaskInfo }) {
  const agent = usePolled<AgentState>(agentPath(agentId, "state"), 10_000);
  if (!agent.data) {
    return (
      <Card title="Sandbox" id="task-sandbox" wide>
        <p class="muted">{agent.error ? `Cannot read the agent's state: ${agent.error.message}.` : "Loading…"}</p>
      </Card>
    );
  }
  const executor = findExecutor(agent.data, frameworkId, task.id);
  const statuses = task.statuses ?? [];
  const fromStatus = idOf(statuses[statuses.length - 1]?.container_status?.container_id);
  const container = executor?.container ?? fromStatus;
  return (
    <>
      <Card title="Sandbox" id="task-sandbox" wide>
        {executor?.directory ? (
          <Sandbox agentId={agentId} directory={executor.directory} />
        ) : (
          <p class="muted">The agent no longer lists this task's executor (its sandbox may be collected).</p>
        )}
      </Card>
      <Card title="Container" id="task-container" wide>
        {container || executor ? (
          <ContainerDetails agentId={agentId} id={container} executorId={executor?.id} />
        ) : (
          <p class="muted">No container is known for this task.</p>
        )}
      </Card>
    </>
  );
}

export function Task(props: { snapshot: Snapshot; frameworkId: string; taskId: string }) {
  const found = findTask(props.snapshot, props.frameworkId, props.taskId);
  if (!found) return <p class="muted" id="not-found">The master knows no task {props.taskId}.</p>;
  const { task, framework } = found;
  const agent = (props.snapshot.state.slaves ?? []).find((entry) => entry.id === task.slave_id);
  const state = shortState(task.state);
  return (
    <div class="stack" id="task-page">
      <h1>
        {task.name} <span class="mono muted">{task.id}</span>{" "}
        <span class={`state state-${state.toLowerCase()}`} id="task-state">
          {state}
        </span>
      </h1>
      <div class="columns">
        <Card title="Task" id="task-facts">
          <Facts
            items={[
              ["Framework", <a href={link("frameworks", framework.id)}>{framework.name || framework.id}</a>],
              ["Agent", <a href={link("agents", task.slave_id)}>{agent?.hostname ?? task.slave_id}</a>],
              ["Executor", task.executor_id || undefined],
              ["Role", task.role],
              ["Container", idOf(task.statuses?.[task.statuses.length - 1]?.container_status?.container_id)],
              ["Updated", formatTime(task.statuses?.[task.statuses.length - 1]?.timestamp)],
            ]}
          />
        </Card>
        <Card title="Resources" id="task-resources">
          <ResourceList resources={task.resources} testid="task-resource-list" />
        </Card>
      </div>
      <Card title="State history" id="task-history-card" wide>
        <History task={task} />
      </Card>
      <AgentSide agentId={task.slave_id} frameworkId={framework.id} task={task} />
    </div>
  );
}
