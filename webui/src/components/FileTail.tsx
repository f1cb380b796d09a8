// One file of a sandbox, read live through /files/read: the last `initialBytes` first,
// then every new byte from where the last read ended (the tail follows the file), in
// chunks of at most `chunkBytes`; a chunk that came back full is followed at once,
// otherwise the next read waits a second. The text kept is bounded (`keepBytes`).
import { useEffect, useRef, useState } from "preact/hooks";
import { getJson } from "../api";

const chunkBytes = 64 * 1024;
const initialBytes = 64 * 1024;
const keepBytes = 1024 * 1024;

interface ReadAnswer {
  data: string;
  offset: number;
}

export function FileTail(props: { base: string; path: string; downloadHref: string }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string>();
  const [follow, setFollow] = useState(true);
  const [size, setSize] = useState<number>();
  const view = useRef<HTMLPreElement>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let offset = -1;
    const read = (at: number, length?: number) =>
      getJson<ReadAnswer>(
        `${props.base}/files/read?path=${encodeURIComponent(props.path)}&offset=${at}` +
          (length === undefined ? "" : `&length=${length}`),
      );
    const step = async () => {
      let delay = 1000;
      try {
        if (offset < 0) {
          const answer = await read(-1);
          offset = Math.max(0, answer.offset - initialBytes);
        }
        const answer = await read(offset, chunkBytes);
        if (stopped) return;
        setError(undefined);
        if (answer.data.length > 0) {
          offset = answer.offset + answer.data.length;
          setText((old) => (old + answer.data).slice(-keepBytes));
          if (answer.data.length >= chunkBytes) delay = 0;
        }
        setSize(offset);
      } catch (failure) {
        if (stopped) return;
        setError((failure as Error).message);
        delay = 3000;
      }
      if (!stopped) timer = setTimeout(step, delay);
    };
    setText("");
    step();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [props.base, props.path]);

  useEffect(() => {
    if (follow && view.current) view.current.scrollTop = view.current.scrollHeight;
  }, [text, follow]);

  return (
    <div class="file-tail">
      <div class="toolbar">
        <strong class="mono">{props.path.split("/").pop()}</strong>
        <span class="muted">{size === undefined ? "" : `${size} bytes`}</span>
        <label>
          <input
            type="checkbox"
            id="follow"
            checked={follow}
            onChange={(event) => setFollow((event.target as HTMLInputElement).checked)}
          />{" "}
          follow
        </label>
        <a href={props.downloadHref} download>
          download
        </a>
      </div>
      {error && <p class="warning">{error}</p>}
      <pre class="file-view" id="file-view" ref={view}>
        {text}
      </pre>
    </div>
  );
}
