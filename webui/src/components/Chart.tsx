// A small time-series line chart in SVG (no library: a few paths and labels). Each
// series is drawn as a line; the y axis starts at 0 and ends at the largest value.
export interface Series {
  label: string;
  color: string;
  points: [number, number][]; // [ms since the epoch, value]
  dashed?: boolean;
}

const width = 640;
const height = 180;
const pad = { left: 56, right: 12, top: 10, bottom: 22 };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

export function Chart(props: {
  series: Series[];
  format: (value: number) => string;
  title: string;
  id?: string;
}) {
  const all = props.series.flatMap((series) => series.points);
  if (all.length < 2) {
    return (
      <figure class="chart" id={props.id}>
        <figcaption>{props.title}</figcaption>
        <p class="muted">Collecting samples…</p>
      </figure>
    );
  }
  const t0 = Math.min(...all.map((point) => point[0]));
  const t1 = Math.max(...all.map((point) => point[0]));
  const yMax = niceMax(Math.max(...all.map((point) => point[1])));
  const x = (t: number) => pad.left + ((t - t0) / Math.max(1, t1 - t0)) * (width - pad.left - pad.right);
  const y = (v: number) => height - pad.bottom - (v / yMax) * (height - pad.top - pad.bottom);
  const ticks = [0, 0.5, 1].map((fraction) => fraction * yMax);
  const time = (t: number) => new Date(t).toLocaleTimeString();
  return (
    <figure class="chart" id={props.id}>
      <figcaption>
        {props.title}
        {props.series.map((series) => (
          <span key={series.label} class="legend">
            <i style={{ background: series.color }} />
            {series.label}
          </span>
        ))}
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.title}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={pad.left} x2={width - pad.right} y1={y(tick)} y2={y(tick)} class="grid-line" />
            <text x={pad.left - 6} y={y(tick) + 4} text-anchor="end">
              {props.format(tick)}
            </text>
          </g>
        ))}
        <text x={pad.left} y={height - 4}>
          {time(t0)}
        </text>
        <text x={width - pad.right} y={height - 4} text-anchor="end">
          {time(t1)}
        </text>
        {props.series.map((series) => (
          <path
            key={series.label}
            d={series.points
              .map(([t, v], index) => `${index ? "L" : "M"}${x(t).toFixed(1)},${y(v).toFixed(1)}`)
              .join("")}
            fill="none"
            stroke={series.color}
            stroke-width="2"
            stroke-dasharray={series.dashed ? "5 4" : undefined}
          />
        ))}
      </svg>
    </figure>
  );
}
