// Small building blocks shared by the views: a titled card, a definition list of facts,
// a resources table and a key/value table (flags, attributes, anything keyed).
import { Fragment, type ComponentChildren } from "preact";
import type { ResourceMap } from "../api";

export function Card(props: { title: string; children: ComponentChildren; id?: string; wide?: boolean }) {
  return (
    <section class={`card${props.wide ? " wide" : ""}`} id={props.id}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

export function Facts(props: { items: [string, ComponentChildren][]; id?: string }) {
  return (
    <dl class="facts" id={props.id}>
      {props.items
        .filter(([, value]) => value !== undefined && value !== null && value !== "")
        .map(([label, value]) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd data-fact={label}>{value}</dd>
          </Fragment>
        ))}
    </dl>
  );
}

export function formatValue(name: string, value: unknown): string {
  if (typeof value === "number") {
    if (name === "mem" || name === "disk") {
      if (value >= 1024) return `${(value / 1024).toFixed(1)} GB`;
      return `${Math.round(value)} MB`;
    }
    return Number.isInteger(value) ? String(value) : value.toFixed(2);
  }
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

// A resources map ({cpus: 2, mem: 1024, ports: "[31000-32000]"}) as one line each.
export function ResourceList(props: { resources?: ResourceMap; testid?: string }) {
  const entries = Object.entries(props.resources ?? {}).filter(
    ([, value]) => value !== undefined && value !== 0,
  );
  if (entries.length === 0) return <span class="muted">none</span>;
  return (
    <span class="resource-list" data-testid={props.testid}>
      {entries.map(([name, value]) => (
        <span key={name} class="chip" data-resource={name}>
          {name} <strong>{formatValue(name, value)}</strong>
        </span>
      ))}
    </span>
  );
}

export function KeyValues(props: { values: Record<string, unknown>; filter?: string; id?: string }) {
  const words = (props.filter ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  const entries = Object.entries(props.values)
    .map(([key, value]): [string, string] => [key, formatValue(key, value)])
    .filter(([key, value]) => words.every((word) => `${key} ${value}`.toLowerCase().includes(word)))
    .sort(([a], [b]) => a.localeCompare(b));
  return (
    <table class="grid kv" id={props.id}>
      <tbody>
        {entries.map(([key, value]) => (
          <tr key={key} data-key={key}>
            <th class="mono">{key}</th>
            <td class="mono">{value}</td>
          </tr>
        ))}
        {entries.length === 0 && (
          <tr>
            <td class="muted">Nothing matches.</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

export function FilterBox(props: { value: string; onInput: (text: string) => void; id: string; placeholder: string }) {
  return (
    <input
      type="search"
      id={props.id}
      placeholder={props.placeholder}
      value={props.value}
      onInput={(event) => props.onInput((event.target as HTMLInputElement).value)}
    />
  );
}

export function Head({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column, index) => (
          <th key={index}>{column}</th>
        ))}
      </tr>
    </thead>
  );
}
