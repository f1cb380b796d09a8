// One framework: who it is (roles, user, capabilities, failover), what it holds
// (resources used and offered, offers) and its tasks, active and completed.
import type { Snapshot } from "../api";
import { Card, Facts, ResourceList } from "../components/Card";
import { TaskList } from "../components/TaskList";
import { formatTime, rolesOf } from "../model";

export function Framework({ snapshot, id }: { snapshot: Snapshot; id: string }) {
  const { state } = snapshot;
  const active = (state.frameworks ?? []).find((framework) => framework.id === id);
  const framework = active ?? (state.completed_frameworks ?? []).find((f) => f.id === id);
  if (!framework) {
    return <p class="muted" id="not-found">The master knows no framework {id}.</p>;
  }
  const hosts = new Map((state.slaves ?? []).map((agent) => [agent.id, agent.hostname]));
  const activeTasks = [...(framework.tasks ?? []), ...(framework.unreachable_tasks ?? [])];
  return (
    <div class="stack" id="framework-page">
      <h1>
        {framework.name || "(unnamed)"} <span class="mono muted">{framework.id}</span>
      </h1>
      <div class="columns">
        <Card title="Framework" id="framework-facts">
          <Facts
            items={[
              ["Status", active ? (framework.active === false ? "inactive" : "active") : "completed"],
              ["Roles", rolesOf(framework)],
              ["User", framework.user],
              ["Principal", framework.principal],
              ["Host", framework.hostname],
              ["Checkpoint", framework.checkpoint === undefined ? undefined : String(framework.checkpoint)],
              ["Failover timeout", framework.failover_timeout === undefined ? undefined : `${framework.failover_timeout} s`],
              ["Registered", formatTime(framework.registered_time)],
              ["Unregistered", formatTime(framework.unregistered_time)],
              ["Web UI", framework.webui_url && <a href={framework.webui_url}>{framework.webui_url}</a>],
            ]}
          />
        </Card>
        <Card title="Resources" id="framework-resources">
          <Facts
            items={[
              ["Used", <ResourceList resources={framework.used_resources} />],
              ["Offered", <ResourceList resources={framework.offered_resources} />],
              ["Offers", String((framework.offers ?? []).length)],
            ]}
          />
        </Card>
        <Card title="Capabilities" id="framework-capabilities">
          {(framework.capabilities ?? []).length === 0 ? (
            <p class="muted">None declared.</p>
          ) : (
            <ul class="tags">
              {(framework.capabilities ?? []).map((capability) => (
                <li key={capability} class="tag">
                  {capability}
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <Card title={`Active tasks (${activeTasks.length})`} id="framework-tasks">
        <TaskList tasks={activeTasks} id="framework-active-tasks" hosts={hosts} />
      </Card>
      <Card title={`Completed tasks (${(framework.completed_tasks ?? []).length})`} id="framework-completed">
        <TaskList tasks={framework.completed_tasks ?? []} id="framework-completed-tasks" hosts={hosts} />
      </Card>
    </div>
  );
}
