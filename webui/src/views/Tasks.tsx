// Every task, active and completed, filtered by text. Only the rows in view are in the
// DOM (a fixed row height makes the window arithmetic exact), so tens of thousands of
// tasks scroll without freezing the tab.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Snapshot } from "../api";
import { filterRows, formatTime, shortState, taskRows, type TaskKind } from "../model";

const rowHeight = 30; // px; must match .task-row in style.css
const overscan = 10;

const kindChoices: { label: string; kinds: TaskKind[] }[] = [
  { label: "All", kinds: ["active", "unreachable", "completed"] },
  { label: "Active", kinds: ["active", "unreachable"] },
  { label: "Completed", kinds: ["completed"] },
];

export function Tasks({ snapshot }: { snapshot: Snapshot }) {
  const [filter, setFilter] = useState("");
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
    () => filterRows(rows, filter, new Set(kindChoices[choice].kinds)),
    [rows, filter, choice],
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
              <span class="mono">{row.id}</span>
              <span>{row.name}</span>
              <span class={`state state-${shortState(row.state).toLowerCase()}`} data-testid="state">
                {shortState(row.state)}
              </span>
              <span title={row.frameworkId}>{row.frameworkName}</span>
              <span title={row.agentId}>{row.agentHost || row.agentId}</span>
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
