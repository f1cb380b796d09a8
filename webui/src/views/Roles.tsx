// Roles and their weights (/master/roles): each role's weight, the resources allocated,
// offered and reserved to it, and its frameworks.
import type { ResourceMap } from "../api";
import { Card, Head, ResourceList } from "../components/Card";
import { link } from "../router";
import { usePolled } from "../usePolled";

interface Role {
  name: string;
  weight?: number;
  resources?: ResourceMap;
  allocated?: ResourceMap;
  offered?: ResourceMap;
  reserved?: ResourceMap;
  frameworks?: string[];
  quota?: { guarantee?: ResourceMap; limit?: ResourceMap };
}

export function Roles() {
  const roles = usePolled<{ roles?: Role[] }>("master/roles", 5000);
  const list = roles.data?.roles ?? [];
  return (
    <Card title={`Roles (${list.length})`} id="roles-card" wide>
      {roles.error && <p class="warning">{roles.error.message}</p>}
      {!roles.data && !roles.error && <p class="muted">Loading…</p>}
      {roles.data && list.length === 0 && <p class="muted">No role holds resources or frameworks.</p>}
      {list.length > 0 && (
        <table class="grid" id="roles-table">
          <Head columns={["Role", "Weight", "Allocated", "Offered", "Reserved", "Quota limit", "Frameworks"]} />
          <tbody>
            {list.map((role) => (
              <tr key={role.name} data-role={role.name}>
                <td class="mono">{role.name}</td>
                <td data-testid="weight">{role.weight ?? 1}</td>
                <td>
                  <ResourceList resources={role.allocated ?? role.resources} />
                </td>
                <td>
                  <ResourceList resources={role.offered} />
                </td>
                <td>
                  <ResourceList resources={role.reserved} />
                </td>
                <td>
                  <ResourceList resources={role.quota?.limit} />
                </td>
                <td>
                  {(role.frameworks ?? []).map((id) => (
                    <a key={id} class="mono small block" href={link("frameworks", id)}>
                      {id}
                    </a>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
