// Every task, active and completed, filtered by text. Only the rows in view are in the
// DOM (a fixed row height makes the window arithmetic exact), so tens of thousands of
// tasks scroll without freezing the tab.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Snapshot } from "../api";
import {
  choices,
  filterRows,
  formatTime,
  shortState,
  taskRows,
  type RowFilter,
  type TaskKind,
  type TaskRow,
} from "../model";
import { link } from "../router";

const rowHeight = 30; // px; must match .task-row in style.css
const overscan = 10;

const kindChoices: { label: string; kinds: TaskKind[] }[] = [
  { label: "All", kinds: ["active", "unreachable", "completed"] },
  { label: "Active", kinds: ["active", "unreachable"] },
  { label: "Completed", kinds: ["completed"] },
];

function Select(props: {
  id: string;
  all: string;
  value?: string;
  options: [string, string][];
  onChange: (value?: string) => void;
}) {
  return (
    <select
      id={props.id}
      value={props.value ?? ""}
      onChange={(event) => props.onChange((event.target as HTMLSelectElement).value || undefined)}
    >
      <option value="">{props.all}</option>
      {props.options.map(([value, label]) => (
        <option key={value} value={value}>
          {label}
        </option>
      ))}
    </select>
  );
}

function Filters(props: { rows: TaskRow[]; only: RowFilter; setOnly: (only: RowFilter) => void }) {
  const { rows, only, setOnly } = props;
  const states = useMemo(() => choices(rows, (row) => [row.state, shortState(row.state)]), [rows]);
  const frameworks = useMemo(() => choices(rows, (row) => [row.frameworkId, row.frameworkName || row.frameworkId]), [rows]);
  const agents = useMemo(() => choices(rows, (row) => [row.agentId, row.agentHost || row.agentId]), [rows]);
  return (
    <>
      <Select id="filter-state" all="any state" value={only.state} options={states}
        onChange={(state) => setOnly({ ...only, state })} />
      <Select id="filter-framework" all="any framework" value={only.frameworkId} options={frameworks}
        onChange={(frameworkId) => setOnly({ ...only, frameworkId })} />
      <Select id="filter-agent" all="any agent" value={only.agentId} options={agents}
        onChange={(agentId) => setOnly({ ...only, agentId })} />
    </>
  );
}

export function Tasks({ snapshot }: { snapshot: Snapshot }) {
  const [filter, setFilter] = useState("");
  const [only, setOnly] = useState<RowFilter>({});
  const [choice, setChoice] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const scroller = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setViewport(element.clientHeight || 600));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const rows = useMemo(() => taskRows(snapshot.state), [snapshot]);
  const shown = useMemo(
    () => filterRows(rows, filter, new Set(kindChoices[choice].kinds), only),
    [rows, filter, choice, only],
  );
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(shown.length, Math.ceil((scrollTop + viewport) / rowHeight) + overscan);

  return (
    <div class="tasks">
      <div class="toolbar">
        <input
          type="search"
          id="task-filter"
          placeholder="Filter by id, name, state, framework or agent"
          value={filter}
          onInput={(event) => setFilter((event.target as HTMLInputElement).value)}
        />
        <div class="choices" role="tablist">
          {kindChoices.map((entry, index) => (
            <button
              key={entry.label}
              type="button"
              role="tab"
              aria-selected={index === choice}
              class={index === choice ? "selected" : ""}
              onClick={() => setChoice(index)}
            >
              {entry.label}
            </button>
          ))}
        </div>
        <Filters rows={rows} only={only} setOnly={setOnly} />
        <span class="muted" data-testid="task-count">
          {shown.length} of {rows.length} tasks
        </span>
      </div>
      <div class="task-header task-row">
        <span>ID</span>
        <span>Name</span>
        <span>State</span>
        <span>Framework</span>
        <span>Agent</span>
        <span>CPUs</span>
        <span>Mem</span>
        <span>Updated</span>
      </div>
      <div
        class="task-scroll"
        id="tasks-table"
        ref={scroller}
        onScroll={(event) => setScrollTop((event.target as HTMLElement).scrollTop)}
      >
        <div style={{ height: `${shown.length * rowHeight}px`, position: "relative" }}>
          {shown.slice(first, last).map((row, index) => (
            <div
              key={row.key}
              class={`task-row ${row.kind}`}
              data-task-id={row.id}
              style={{ top: `${(first + index) * rowHeight}px` }}
              title={row.message}
            >
              <span class="mono">
                <a href={link("tasks", row.frameworkId, row.id)}>{row.id}</a>
              </span>
              <span>{row.name}</span>
              <span class={`state state-${shortState(row.state).toLowerCase()}`} data-testid="state">
                {shortState(row.state)}
              </span>
              <span title={row.frameworkId}>
                <a href={link("frameworks", row.frameworkId)}>{row.frameworkName}</a>
              </span>
              <span title={row.agentId}>
                <a href={link("agents", row.agentId)}>{row.agentHost || row.agentId}</a>
              </span>
              <span>{row.cpus}</span>
              <span>{row.mem} MB</span>
              <span>{formatTime(row.updated)}</span>
            </div>
          ))}
        </div>
        {shown.length === 0 && (
          <p class="muted empty">{rows.length === 0 ? "No tasks yet." : "No task matches."}</p>
        )}
      </div>
    </div>
  );
}
