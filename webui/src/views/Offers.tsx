// Offers outstanding: every framework's offers in /master/state, with the agent and the
// resources each holds.
import type { ResourceMap, Snapshot } from "../api";
import { idOf } from "../agentModel";
import { Card, Head, ResourceList } from "../components/Card";
import { link } from "../router";

// Offers' resources come as a map ({cpus: 1}) or as Resource messages.
function asMap(resources: unknown): ResourceMap {
  if (!Array.isArray(resources)) return (resources ?? {}) as ResourceMap;
  const map: ResourceMap = {};
  for (const entry of resources as { name: string; scalar?: { value: number } }[]) {
    if (entry.scalar) map[entry.name] = Number(map[entry.name] ?? 0) + entry.scalar.value;
  }
  return map;
}

export function Offers({ snapshot }: { snapshot: Snapshot }) {
  const { state } = snapshot;
  const hosts = new Map((state.slaves ?? []).map((agent) => [agent.id, agent.hostname]));
  const rows = (state.frameworks ?? []).flatMap((framework) =>
    (framework.offers ?? []).map((offer) => ({ offer, framework })),
  );
  return (
    <Card title={`Offers outstanding (${rows.length})`} id="offers-card" wide>
      {rows.length === 0 ? (
        <p class="muted">No offer is outstanding.</p>
      ) : (
        <table class="grid" id="offers-table">
          <Head columns={["Offer", "Framework", "Agent", "Resources"]} />
          <tbody>
            {rows.map(({ offer, framework }) => {
              const agentId = idOf(offer.slave_id ?? offer.agent_id);
              return (
                <tr key={idOf(offer.id)} data-offer-id={idOf(offer.id)}>
                  <td class="mono">{idOf(offer.id)}</td>
                  <td>
                    <a href={link("frameworks", framework.id)}>{framework.name || framework.id}</a>
                  </td>
                  <td>
                    <a href={link("agents", agentId)}>{offer.hostname ?? hosts.get(agentId) ?? agentId}</a>
                  </td>
                  <td>
                    <ResourceList resources={asMap(offer.resources)} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}
