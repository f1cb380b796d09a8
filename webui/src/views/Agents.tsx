// Agents: every registered agent with its resources (total and used) and attributes,
// then those the UI saw leave /master/state (the master lists only reachable agents)
// as UNREACHABLE, with when they were last seen.
import type { Agent, Snapshot } from "../api";
import { Card, Head } from "../components/Card";
import type { GoneAgent } from "../history";
import { formatResource, formatTime } from "../model";
import { link } from "../router";

function attributes(agent: Agent): string {
  return Object.entries(agent.attributes ?? {})
    .map(([key, value]) => `${key}:${value}`)
    .join("; ");
}

function AgentRow({ agent, gone }: { agent: Agent; gone?: GoneAgent }) {
  return (
    <tr key={agent.id} data-agent-id={agent.id} class={gone ? "unreachable" : ""}>
      <td>
        <a href={link("agents", agent.id)}>{agent.hostname}</a>
        {agent.port ? `:${agent.port}` : ""}
      </td>
      <td class="mono">{agent.id}</td>
      <td data-testid="agent-status">
        {gone ? (
          <span class="tag bad">UNREACHABLE since {new Date(gone.lastSeen).toLocaleTimeString()}</span>
        ) : agent.active === false || agent.deactivated ? (
          <span class="tag">deactivated</span>
        ) : (
          <span class="tag good">active</span>
        )}
      </td>
      <td>{formatResource("cpus", Number(agent.resources?.cpus ?? 0))}</td>
      <td>{formatResource("cpus", Number(agent.used_resources?.cpus ?? 0))}</td>
      <td>{formatResource("mem", Number(agent.resources?.mem ?? 0))}</td>
      <td>{formatResource("mem", Number(agent.used_resources?.mem ?? 0))}</td>
      <td>{formatResource("disk", Number(agent.resources?.disk ?? 0))}</td>
      <td class="small">{attributes(agent)}</td>
      <td>{agent.version}</td>
      <td>{formatTime(agent.registered_time)}</td>
    </tr>
  );
}

export function Agents({ snapshot, gone }: { snapshot: Snapshot; gone: Map<string, GoneAgent> }) {
  const { state } = snapshot;
  const agents = state.slaves ?? [];
  const unreachable = state.unreachable_slaves ?? 0;
  return (
    <div class="stack">
      <Card title={`Agents (${agents.length} registered)`} id="agents-list-card" wide>
        {unreachable > 0 && (
          <p class="warning" id="unreachable-count">
            The master counts {unreachable} unreachable agent{unreachable === 1 ? "" : "s"}.
          </p>
        )}
        <table class="grid" id="agents-list">
          <Head columns={["Host", "ID", "Status", "CPUs", "used", "Mem", "used", "Disk", "Attributes", "Version", "Registered"]} />
          <tbody>
            {[...gone.values()].map((entry) => (
              <AgentRow key={entry.agent.id} agent={entry.agent} gone={entry} />
            ))}
            {agents.map((agent) => (
              <AgentRow key={agent.id} agent={agent} />
            ))}
          </tbody>
        </table>
        {agents.length === 0 && gone.size === 0 && <p class="muted">No agent is registered.</p>}
      </Card>
    </div>
  );
}
