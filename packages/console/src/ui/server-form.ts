import { useEffect, useRef, useState } from 'react';

/** A form's values: text fields as strings, switches as booleans. */
export type FormValues = Record<string, string | boolean>;

/**
 * Moves a form onto new server values without losing edits: a field still showing the previous
 * server value follows the new one; a field the user changed keeps the user's value. Another
 * card's save refetches the same settings, and must not undo what is typed here.
 */
export function rebaseForm<T extends FormValues>(previous: T, next: T, current: T): T {
  const out = { ...current };
  for (const key of Object.keys(next) as (keyof T)[]) {
    if (current[key] === previous[key]) out[key] = next[key];
  }
  return out;
}

/**
 * Local form state seeded from `server` and rebased (see {@link rebaseForm}) whenever the server
 * values change. `server` should be derived from query data, so it changes only when that does.
 */
export function useServerForm<T extends FormValues>(
  server: T,
): [T, (key: keyof T, value: T[keyof T]) => void] {
  const [form, setForm] = useState(server);
  const last = useRef(server);
  const serverKey = JSON.stringify(server);
  // Keyed by the values: a refetch that returns the same settings is not a change.
  useEffect(() => {
    const previous = last.current;
    last.current = server;
    setForm((current) => rebaseForm(previous, server, current));
  }, [serverKey]);
  return [form, (key, value) => setForm((current) => ({ ...current, [key]: value }))];
}
