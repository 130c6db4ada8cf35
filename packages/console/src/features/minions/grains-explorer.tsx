import { type ReactNode, useMemo, useState } from 'react';

/** Whether `value` (or any key or value below it) contains `needle`. */
function contains(key: string, value: unknown, needle: string): boolean {
  if (key.toLowerCase().includes(needle)) return true;
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => contains(k, v, needle));
  }
  return String(value).toLowerCase().includes(needle);
}

function Highlight({ text, needle }: { text: string; needle: string }) {
  if (!needle) return <>{text}</>;
  const at = text.toLowerCase().indexOf(needle);
  if (at < 0) return <>{text}</>;
  return (
    <>
      {text.slice(0, at)}
      <mark>{text.slice(at, at + needle.length)}</mark>
      {text.slice(at + needle.length)}
    </>
  );
}

function Value({ value, needle }: { value: unknown; needle: string }): ReactNode {
  if (value === null) return <span className="n">null</span>;
  if (typeof value === 'string')
    return (
      <span className="s">
        "<Highlight text={value} needle={needle} />"
      </span>
    );
  if (typeof value === 'number' || typeof value === 'boolean')
    return (
      <span className="n">
        <Highlight text={String(value)} needle={needle} />
      </span>
    );
  const entries = Object.entries(value as object).filter(([k, v]) => !needle || contains(k, v, needle));
  const open = needle !== '' || entries.length <= 4;
  return (
    <details open={open}>
      <summary className="muted">
        {Array.isArray(value)
          ? `[${(value as unknown[]).length}]`
          : `{${Object.keys(value as object).length}}`}
      </summary>
      <ul>
        {entries.map(([k, v]) => (
          <li key={k}>
            <span className="k">
              <Highlight text={k} needle={needle} />
            </span>
            : <Value value={v} needle={k.toLowerCase().includes(needle) ? '' : needle} />
          </li>
        ))}
      </ul>
    </details>
  );
}

/** The minion's grains as a tree, filtered by key or value (a matching key shows all below it). */
export function GrainsExplorer({ grains }: { grains: Record<string, unknown> }) {
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const entries = useMemo(
    () =>
      Object.entries(grains)
        .sort(([a], [b]) => a.localeCompare(b))
        .filter(([k, v]) => !needle || contains(k, v, needle)),
    [grains, needle],
  );
  return (
    <div>
      <div className="field">
        <label htmlFor="grain-filter">Filter grains</label>
        <input
          id="grain-filter"
          type="search"
          placeholder="key or value, e.g. ipv4 or ubuntu"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      </div>
      <div className="grains">
        {entries.length === 0 ? <p className="muted">No grain matches.</p> : null}
        <ul style={{ borderLeft: 0, paddingLeft: 0 }}>
          {entries.map(([k, v]) => (
            <li key={k}>
              <span className="k">
                <Highlight text={k} needle={needle} />
              </span>
              : <Value value={v} needle={k.toLowerCase().includes(needle) ? '' : needle} />
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
