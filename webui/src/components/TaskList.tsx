// A plain table of tasks (a framework's, an agent's): few enough to render whole.
import type { Task } from "../api";
import { formatTime, shortState } from "../model";
import { link } from "../router";
import { Head, ResourceList } from "./Card";

const limit = 500;

export function TaskList(props: { tasks: Task[]; id: string; hosts?: Map<string, string> }) {
  if (props.tasks.length === 0) return <p class="muted">No tasks.</p>;
  return (
    <table class="grid" id={props.id}>
      <Head columns={["ID", "Name", "State", "Agent", "Resources", "Updated"]} />
      <tbody>
        {props.tasks.slice(0, limit).map((task) => {
          const statuses = task.statuses ?? [];
          const state = shortState(task.state);
          return (
            <tr key={`${task.framework_id}/${task.id}`} data-task-id={task.id}>
              <td class="mono">
                <a href={link("tasks", task.framework_id, task.id)}>{task.id}</a>
              </td>
              <td>{task.name}</td>
              <td class={`state state-${state.toLowerCase()}`}>{state}</td>
              <td>
                <a href={link("agents", task.slave_id)}>{props.hosts?.get(task.slave_id) ?? task.slave_id}</a>
              </td>
              <td>
                <ResourceList resources={task.resources} />
              </td>
              <td>{formatTime(statuses[statuses.length - 1]?.timestamp)}</td>
            </tr>
          );
        })}
      </tbody>
      {props.tasks.length > limit && (
        <caption class="muted">
          The first {limit} of {props.tasks.length}; the <a href="#/tasks">Tasks</a> view has them all.
        </caption>
      )}
    </table>
  );
}
