// A task's sandbox through the master's proxy to its agent: a directory listing
// (/files/browse), a file opened in a live tail (FileTail) and download links
// (/files/download). Starts in the executor's directory and never goes above it.
import { useEffect, useState } from "preact/hooks";
import { getJson } from "../api";
import { formatBytes } from "../agentModel";
import { agentPath } from "../usePolled";
import { Head } from "./Card";
import { FileTail } from "./FileTail";

interface Entry {
  path: string;
  size: number;
  mode: string;
  mtime: number;
  uid?: string;
  gid?: string;
}

export function Sandbox({ agentId, directory }: { agentId: string; directory: string }) {
  const base = agentPath(agentId, "").replace(/\/$/, "");
  const [dir, setDir] = useState(directory);
  const [entries, setEntries] = useState<Entry[]>();
  const [error, setError] = useState<string>();
  const [file, setFile] = useState<string>();

  useEffect(() => {
    let stopped = false;
    const load = () =>
      getJson<Entry[]>(`${base}/files/browse?path=${encodeURIComponent(dir)}`)
        .then((answer) => {
          if (stopped) return;
          setEntries([...answer].sort((a, b) => a.path.localeCompare(b.path)));
          setError(undefined);
          // stdout opens by itself, once: a file the user chose stays.
          const stdout = answer.find((entry) => entry.path.endsWith("/stdout"));
          if (stdout && dir === directory) setFile((current) => current ?? stdout.path);
        })
        .catch((failure: Error) => !stopped && setError(failure.message));
    load();
    const timer = setInterval(load, 5000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [base, dir]);

  const relative = dir.slice(directory.length) || "/";
  const download = (path: string) => `${base}/files/download?path=${encodeURIComponent(path)}`;
  return (
    <div class="sandbox" id="sandbox">
      <div class="toolbar">
        <span class="muted">Sandbox</span>
        <span class="mono" id="sandbox-path" title={dir}>
          {relative}
        </span>
        {dir !== directory && (
          <button type="button" onClick={() => setDir(dir.slice(0, dir.lastIndexOf("/")) || directory)}>
            up
          </button>
        )}
      </div>
      {error && <p class="warning">Cannot list the sandbox: {error}.</p>}
      <div class="sandbox-body">
        <table class="grid files" id="sandbox-files">
          <Head columns={["Name", "Size", "Mode", "Modified", ""]} />
          <tbody>
            {(entries ?? []).map((entry) => {
              const name = entry.path.split("/").pop() ?? entry.path;
              const isDir = entry.mode.startsWith("d");
              return (
                <tr key={entry.path} data-file={name} class={entry.path === file ? "selected" : ""}>
                  <td>
                    <button
                      type="button"
                      class="linklike"
                      onClick={() => (isDir ? setDir(entry.path) : setFile(entry.path))}
                    >
                      {name}
                      {isDir ? "/" : ""}
                    </button>
                  </td>
                  <td>{isDir ? "" : formatBytes(entry.size)}</td>
                  <td class="mono">{entry.mode}</td>
                  <td>{new Date(entry.mtime * 1000).toLocaleString()}</td>
                  <td>{!isDir && <a href={download(entry.path)}>download</a>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {file && <FileTail base={base} path={file} downloadHref={download(file)} />}
      </div>
    </div>
  );
}
