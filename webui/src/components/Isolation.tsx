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

// The fields an operator looks for first, by the prefix of their key: shown as absent
// when the agent does not report them.
const expected: [string, string][] = [
  ["seccomp", "Seccomp"],
  ["no_new_privs", "no_new_privs"],
  ["capabilities", "Capabilities"],
  ["namespaces", "Namespaces"],
  ["uid_map", "UID map"],
  ["cgroup", "Cgroups"],
  ["limits", "Limits"],
  ["oom", "OOM"],
  ["throttl", "Throttling"],
];

const labels: Record<string, string> = {
  oom: "OOM events",
  oom_kill: "OOM kills",
  oom_kills: "OOM kills",
  uid_map: "UID map",
  gid_map: "GID map",
  no_new_privs: "no_new_privs",
};

function label(key: string): string {
  if (labels[key]) return labels[key];
  const spaced = key.replace(/_/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

// Byte counts (memory limits and usage) also in units a person reads.
function withUnits(key: string, value: number | string): string {
  const number = typeof value === "number" ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!/mem|bytes|swap/.test(key) || !(number >= 1024 * 1024)) return String(value);
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let scaled = number / 1024;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  return `${value} (${scaled.toFixed(scaled < 10 ? 1 : 0)} ${units[unit]})`;
}

function rank(key: string): number {
  const index = order.findIndex((name) => key === name || key.startsWith(`${name}_`));
  return index < 0 ? order.length : index;
}

function Value({ name, value, depth }: { name: string; value: unknown; depth: number }): ComponentChildren {
  if (value === null || value === undefined) return <span class="muted">absent</span>;
  if (typeof value === "boolean") return <span class={value ? "good" : "muted"}>{value ? "yes" : "no"}</span>;
  if (typeof value === "number" || typeof value === "string")
    return <span class="mono">{withUnits(name, value)}</span>;
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
            <Value name={name} value={item} depth={depth + 1} />
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
  const missing = depth === 0 ? expected.filter(([prefix]) => !keys.some((key) => key.startsWith(prefix))) : [];
  return (
    <dl class={`facts${depth > 0 ? " nested" : ""}`}>
      {keys.map((key) => (
        <Fragment key={key}>
          <dt>{depth > 0 ? key : label(key)}</dt>
          <dd data-isolation={key}>
            <Value name={key} value={values[key]} depth={depth} />
          </dd>
        </Fragment>
      ))}
      {missing.map(([prefix, name]) => (
        <Fragment key={prefix}>
          <dt>{name}</dt>
          <dd class="muted" data-isolation={prefix}>
            absent
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
