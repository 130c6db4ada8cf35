/** What a link to `/run` may fill in: `/run?target=web-01&target_type=list&fun=test.ping`. */
export interface RunPrefill {
  target?: string;
  target_type?: string;
  fun?: string;
}

/** The run form's prefill from the URL's search (anything else is dropped). */
export function runPrefill(search: Record<string, unknown>): RunPrefill {
  const out: RunPrefill = {};
  for (const key of ['target', 'target_type', 'fun'] as const) {
    const value = search[key];
    if (typeof value === 'string' && value.length > 0 && value.length <= 2048) out[key] = value;
  }
  return out;
}
