// Hash routes: "#/frameworks/<id>" → { view: "frameworks", params: [id] }. Ids are
// percent-encoded in links (task ids may hold any character).
export interface Route {
  view: string;
  params: string[];
}

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, "").split("!")[0];
  const parts = path.split("/").filter(Boolean).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  return { view: parts[0] ?? "", params: parts.slice(1) };
}

export function link(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join("/")}`;
}
