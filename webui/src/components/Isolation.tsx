// A container's isolation as the agent reports it (Mesolite's `isolation` in
// /containers): first the figures worth a glance wherever they sit (limits, OOM,
// throttling), then whatever keys are present, rendered by kind — lists of names as
// chips, flags as yes/no, nested objects as nested facts, lists of objects (one per
// cgroup) folded. What an operator looks for and the agent does not report is "absent".
import type { ComponentChildren } from "preact";
import { Fragment } from "preact";
import { Head } from "./Card";

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

// What an operator looks for, matched against every key at any depth: shown as absent
// when no key of the agent's answer matches.
const expected: [RegExp, string][] = [
  [/seccomp/i, "Seccomp"],
  [/no_new_privs/i, "no_new_privs"],
  [/capabilit/i, "Capabilities"],
  [/namespace/i, "Namespaces"],
  [/uid_map/i, "UID map"],
  [/cgroup/i, "Cgroups"],
  [/limit|\.max$/i, "Limits"],
  [/oom/i, "OOM"],
  [/throttl/i, "Throttling"],
];

// The figures worth a glance (limits, OOM, throttling, failures), wherever they sit.
const figure = /limit|\.max$|oom|throttl|failcnt|events/i;

interface Figure {
  key: string;
  value: string;
  where: string;
}

function allKeys(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) allKeys(item, into);
  else if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      into.push(key);
      allKeys(inner, into);
    }
  }
  return into;
}

// Every scalar whose name (with its parents' keys) matches `figure`; `where` is the
// cgroup (controllers and path) or the object it was found in.
function figures(value: unknown, where: string, prefix: string, into: Figure[] = []): Figure[] {
  if (Array.isArray(value)) {
    for (const item of value) figures(item, where, prefix, into);
  } else if (value && typeof value === "object") {
    const object = value as Record<string, unknown>;
    const controllers = Array.isArray(object.controllers) ? object.controllers.join(",") : undefined;
    const here = controllers ? `${controllers} ${String(object.path ?? "")}`.trim() : where;
    const base = controllers ? "" : prefix;
    for (const [key, inner] of Object.entries(object)) {
      const name = base ? `${base} ${key}` : key;
      if (typeof inner === "number" || typeof inner === "string") {
        if (figure.test(name)) into.push({ key: name, value: withUnits(name, inner), where: here });
      } else {
        figures(inner, here, name, into);
      }
    }
  }
  return into;
}

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

// The kernel's codes of the obvious fields, in words.
const hints: Record<string, Record<string, string>> = {
  "seccomp.mode": { 0: "disabled", 1: "strict", 2: "filter" },
  no_new_privs: { 0: "no", 1: "yes" },
};

function withHint(name: string, shown: string): string {
  const hint = hints[name]?.[shown];
  return hint ? `${shown} (${hint})` : shown;
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
  if (number >= 2 ** 60) return `${value} (unlimited)`;
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
    return <span class="mono">{withHint(name, withUnits(name, value))}</span>;
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
      <details>
        <summary>
          {value.length} {value.length === 1 ? "entry" : "entries"}
        </summary>
        <div class="boxes">
          {value.map((item, index) => (
            <div key={index} class="box">
              <Value name={name} value={item} depth={depth + 1} />
            </div>
          ))}
        </div>
      </details>
    );
  }
  if (typeof value === "object") {
    if (depth > 4) return <span class="mono">{JSON.stringify(value)}</span>;
    return <Fields values={value as Record<string, unknown>} depth={depth + 1} path={name} />;
  }
  return <span class="mono">{String(value)}</span>;
}

function Fields(props: { values: Record<string, unknown>; depth: number; keys?: string[]; path?: string }) {
  const { values, depth, keys: present, path } = props;
  const keys = Object.keys(values).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  if (keys.length === 0) return <span class="muted">none</span>;
  const missing = present ? expected.filter(([pattern]) => !present.some((key) => pattern.test(key))) : [];
  return (
    <dl class={`facts${depth > 0 ? " nested" : ""}`}>
      {keys.map((key) => (
        <Fragment key={key}>
          <dt>{depth > 0 ? key : label(key)}</dt>
          <dd data-isolation={key}>
            <Value name={path ? `${path}.${key}` : key} value={values[key]} depth={depth} />
          </dd>
        </Fragment>
      ))}
      {missing.map(([, name]) => (
        <Fragment key={name}>
          <dt>{name}</dt>
          <dd class="muted" data-isolation={name}>
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
  const glance = figures(isolation, "", "");
  return (
    <div id="isolation">
      {glance.length > 0 && (
        <table class="grid figures" id="isolation-figures">
          <Head columns={["Limits, OOM and throttling", "Value", "Where"]} />
          <tbody>
            {glance.map((entry, index) => (
              <tr key={index}>
                <td class="mono">{entry.key}</td>
                <td class="mono">{entry.value}</td>
                <td class="mono small">{entry.where}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Fields values={isolation} depth={0} keys={allKeys(isolation)} />
    </div>
  );
}
