import { count } from '../../ui/format';

/** Hourly job starts as bars, oldest left; the axis marks every 6 hours. */
export function HourlyBars({ buckets }: { buckets: readonly { hour_start: string; count: number }[] }) {
  const width = 1000;
  const height = 200;
  const pad = { top: 10, right: 8, bottom: 24, left: 40 };
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const step = innerW / Math.max(1, buckets.length);
  const ticks = [0, Math.ceil(max / 2), max];
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`Jobs started per hour over the last ${buckets.length} hours: ${count(
        buckets.reduce((n, b) => n + b.count, 0),
      )} in total, at most ${count(max)} in one hour`}
    >
      {ticks.map((tick) => {
        const y = pad.top + innerH - (tick / max) * innerH;
        return (
          <g key={tick}>
            <line className="grid-line" x1={pad.left} x2={width - pad.right} y1={y} y2={y} />
            <text className="axis" x={pad.left - 6} y={y + 3} textAnchor="end">
              {tick}
            </text>
          </g>
        );
      })}
      {buckets.map((bucket, i) => {
        const h = (bucket.count / max) * innerH;
        const x = pad.left + i * step;
        const hour = new Date(bucket.hour_start);
        return (
          <g key={bucket.hour_start}>
            <rect
              className="bar"
              x={x + 1}
              y={pad.top + innerH - h}
              width={Math.max(1, step - 2)}
              height={h}
              rx={1.5}
            >
              <title>
                {hour.toLocaleString(undefined, { weekday: 'short', hour: '2-digit', minute: '2-digit' })}:{' '}
                {bucket.count} jobs
              </title>
            </rect>
            {i % 6 === 0 ? (
              <text className="axis" x={x + step / 2} y={height - 6} textAnchor="middle">
                {hour.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}

/** A donut of parts with a legend (statuses of the fleet). */
export function Donut({
  parts,
  label,
}: {
  parts: readonly { name: string; value: number; color: string }[];
  label: string;
}) {
  const total = parts.reduce((n, p) => n + p.value, 0);
  const r = 52;
  const c = 2 * Math.PI * r;
  let offset = 0;
  return (
    <div style={{ display: 'flex', gap: 18, alignItems: 'center', flexWrap: 'wrap' }}>
      <svg
        width={140}
        height={140}
        viewBox="0 0 140 140"
        role="img"
        aria-label={`${label}: ${parts.map((p) => `${p.value} ${p.name}`).join(', ')}`}
      >
        <circle cx={70} cy={70} r={r} fill="none" stroke="var(--panel-2)" strokeWidth={18} />
        {total > 0
          ? parts.map((part) => {
              const length = (part.value / total) * c;
              const dash = (
                <circle
                  key={part.name}
                  cx={70}
                  cy={70}
                  r={r}
                  fill="none"
                  stroke={part.color}
                  strokeWidth={18}
                  strokeDasharray={`${length} ${c - length}`}
                  strokeDashoffset={-offset}
                  transform="rotate(-90 70 70)"
                >
                  <title>
                    {part.name}: {part.value}
                  </title>
                </circle>
              );
              offset += length;
              return dash;
            })
          : null}
        <text x={70} y={68} textAnchor="middle" fill="var(--text)" fontSize={20} fontWeight={650}>
          {count(total)}
        </text>
        <text x={70} y={86} textAnchor="middle" fill="var(--muted)" fontSize={11}>
          total
        </text>
      </svg>
      <div className="legend" style={{ flexDirection: 'column' }}>
        {parts.map((part) => (
          <span key={part.name}>
            <i style={{ background: part.color }} /> {part.name} <strong>{count(part.value)}</strong>
          </span>
        ))}
      </div>
    </div>
  );
}

/** Horizontal bars for a few named counts (key states). */
export function Bars({ parts }: { parts: readonly { name: string; value: number; color: string }[] }) {
  const max = Math.max(1, ...parts.map((p) => p.value));
  return (
    <div>
      {parts.map((part) => (
        <div className="hbar" key={part.name}>
          <span>{part.name}</span>
          <span className="track">
            <span
              className="fill"
              style={{ width: `${(part.value / max) * 100}%`, background: part.color, display: 'block' }}
            />
          </span>
          <span style={{ textAlign: 'right', fontVariantNumeric: 'tabular-nums' }}>{count(part.value)}</span>
        </div>
      ))}
    </div>
  );
}
