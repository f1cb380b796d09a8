// Frameworks: the active (and inactive) ones, then the completed ones, each with its
// tasks and resources; a name links to the framework's page.
import type { Framework, Snapshot } from "../api";
import { Card, Head, ResourceList } from "../components/Card";
import { formatTime, rolesOf } from "../model";
import { link } from "../router";

function FrameworkTable(props: { frameworks: Framework[]; id: string; empty: string }) {
  if (props.frameworks.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <table class="grid" id={props.id}>
      <Head columns={["Name", "ID", "Role", "User", "Active tasks", "Completed", "Used", "Registered"]} />
      <tbody>
        {props.frameworks.map((framework) => (
          <tr key={framework.id} data-framework-id={framework.id}>
            <td>
              <a href={link("frameworks", framework.id)}>{framework.name || "(unnamed)"}</a>
              {framework.active === false && <span class="tag">inactive</span>}
            </td>
            <td class="mono">{framework.id}</td>
            <td>{rolesOf(framework)}</td>
            <td>{framework.user}</td>
            <td>{(framework.tasks ?? []).length + (framework.unreachable_tasks ?? []).length}</td>
            <td>{(framework.completed_tasks ?? []).length}</td>
            <td>
              <ResourceList resources={framework.used_resources} />
            </td>
            <td>{formatTime(framework.registered_time)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Frameworks({ snapshot }: { snapshot: Snapshot }) {
  const { state } = snapshot;
  const active = state.frameworks ?? [];
  const completed = state.completed_frameworks ?? [];
  return (
    <div class="stack">
      <Card title={`Frameworks (${active.length})`} id="frameworks-card">
        <FrameworkTable frameworks={active} id="frameworks-table" empty="No framework is registered." />
      </Card>
      <Card title={`Completed frameworks (${completed.length})`} id="completed-frameworks-card">
        <FrameworkTable frameworks={completed} id="completed-frameworks-table" empty="None." />
      </Card>
    </div>
  );
}
