// The master's metrics (/metrics/snapshot, polled with the state), filterable.
import { useState } from "preact/hooks";
import type { Snapshot } from "../api";
import { Card, FilterBox, KeyValues } from "../components/Card";

export function Metrics({ snapshot }: { snapshot: Snapshot }) {
  const [filter, setFilter] = useState("");
  return (
    <Card title={`Metrics (${Object.keys(snapshot.metrics).length})`} id="metrics-card" wide>
      <div class="toolbar">
        <FilterBox id="metric-filter" value={filter} onInput={setFilter} placeholder="Filter, e.g. master/tasks" />
      </div>
      <KeyValues values={snapshot.metrics} filter={filter} id="metrics-table" />
    </Card>
  );
}
