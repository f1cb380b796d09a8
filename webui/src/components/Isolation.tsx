// A container's isolation as the agent reports it (Mesolite's `isolation` in
// /containers): whatever keys are present, rendered by kind — lists of names as chips,
// flags as yes/no, nested objects (limits, cgroup paths, throttling) as nested facts.
// Keys the agent does not send are simply not shown; the usual ones come first.
import type { ComponentChildren } from "preact";
import { Fragment } from "preact";

const order = [
  "seccomp",
  "no_new_privs",
  "capabilities",
  "namespaces",
  "uid_map",
  "gid_map",
  "cgroups",
  "cgroup",
  "limits",
  "oom",
  "oom_kill",
  "throttling",
];

function label(key: string): string {
  const spaced = key.replace(/_/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function rank(key: string): number {
  const index = order.findIndex((name) => key === name || key.startsWith(`${name}_`));
  return index < 0 ? order.length : index;
}

function Value({ value, depth }: { value: unknown; depth: number }): ComponentChildren {
  if (value === null || value === undefined) return <span class="muted">absent</span>;
  if (typeof value === "boolean") return <span class={value ? "good" : "muted"}>{value ? "yes" : "no"}</span>;
  if (typeof value === "number" || typeof value === "string") return <span class="mono">{String(value)}</span>;
  if (Array.isArray(value)) {
    if (value.length === 0) return <span class="muted">none</span>;
    if (value.every((item) => typeof item !== "object" || item === null)) {
      return (
        <span class="chips">
          {value.map((item, index) => (
            <span key={index} class="chip mono">
              {String(item)}
            </span>
          ))}
        </span>
      );
    }
    return (
      <ol class="plain">
        {value.map((item, index) => (
          <li key={index}>
            <Value value={item} depth={depth + 1} />
          </li>
        ))}
      </ol>
    );
  }
  if (typeof value === "object") {
    if (depth > 4) return <span class="mono">{JSON.stringify(value)}</span>;
    return <Fields values={value as Record<string, unknown>} depth={depth + 1} />;
  }
  return <span class="mono">{String(value)}</span>;
}

function Fields({ values, depth }: { values: Record<string, unknown>; depth: number }) {
  const keys = Object.keys(values).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  if (keys.length === 0) return <span class="muted">none</span>;
  return (
    <dl class={`facts${depth > 0 ? " nested" : ""}`}>
      {keys.map((key) => (
        <Fragment key={key}>
          <dt>{depth > 0 ? key : label(key)}</dt>
          <dd data-isolation={key}>
            <Value value={values[key]} depth={depth} />
          </dd>
        </Fragment>
      ))}
    </dl>
  );
}

export function Isolation({ isolation }: { isolation?: Record<string, unknown> }) {
  if (!isolation) {
    return <p class="muted">The agent reports no isolation details for this container.</p>;
  }
  return (
    <div id="isolation">
      <Fields values={isolation} depth={0} />
    </div>
  );
}
