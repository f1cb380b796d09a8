// Flags: the master's (/master/flags) or, chosen in the list, an agent's (through the
// master's proxy), filterable by name or value.
import { useState } from "preact/hooks";
import type { Snapshot } from "../api";
import { Card, FilterBox, KeyValues } from "../components/Card";
import { agentPath, usePolled } from "../usePolled";

export function Flags({ snapshot }: { snapshot: Snapshot }) {
  const [source, setSource] = useState("master");
  const [filter, setFilter] = useState("");
  const path = source === "master" ? "master/flags" : agentPath(source, "flags");
  const flags = usePolled<{ flags?: Record<string, string> }>(path, 30_000);
  const agents = snapshot.state.slaves ?? [];
  return (
    <Card title="Flags" id="flags-card" wide>
      <div class="toolbar">
        <select
          id="flags-source"
          value={source}
          onChange={(event) => setSource((event.target as HTMLSelectElement).value)}
        >
          <option value="master">this master</option>
          {agents.map((agent) => (
            <option key={agent.id} value={agent.id}>
              agent {agent.hostname} ({agent.id})
            </option>
          ))}
        </select>
        <FilterBox id="flag-filter" value={filter} onInput={setFilter} placeholder="Filter by name or value" />
      </div>
      {flags.error && <p class="warning">{flags.error.message}</p>}
      {flags.data ? (
        <KeyValues values={flags.data.flags ?? {}} filter={filter} id="flags-table" />
      ) : (
        !flags.error && <p class="muted">Loading…</p>
      )}
    </Card>
  );
}
