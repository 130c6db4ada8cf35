/**
 * The Arguments box: one argument per line when there are several lines, else words split on
 * spaces (double quotes keep spaces: `"hello world"`). Values stay strings; Salt reads them as
 * it reads the command line (`key=value` words become keyword arguments there too).
 *
 * @example
 * parseArgs('ls -la /tmp')        // ['ls', '-la', '/tmp']
 * parseArgs('ls -la /tmp\necho')  // ['ls -la /tmp', 'echo']
 */
export function parseArgs(input: string): string[] {
  const text = input.trim();
  if (!text) return [];
  if (text.includes('\n')) {
    return text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
  }
  const out: string[] = [];
  for (const match of text.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) {
    out.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? ''));
  }
  return out;
}

/** The Keyword arguments box: empty, or a JSON object. Throws a message naming the problem. */
export function parseKwargs(input: string): Record<string, unknown> {
  const text = input.trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `Keyword arguments: not JSON (${error instanceof Error ? error.message : 'parse error'})`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error('Keyword arguments: give a JSON object, e.g. {"test": true}');
  }
  return value as Record<string, unknown>;
}

/** Salt's `module.function` shape, as the API checks it. */
export const FUNCTION_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
