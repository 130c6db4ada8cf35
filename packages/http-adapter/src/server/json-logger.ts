import type { LogFields, Logger } from '@halite/core';

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A structured logger: one JSON object per line (`time`, `level`, `msg`, then the fields).
 *
 * @example
 * ```ts
 * const logger = createJsonLogger({ level: 'info' });
 * logger.info('listening', { url: 'http://127.0.0.1:8080' });
 * ```
 */
export function createJsonLogger(
  options: { level?: LogLevel; write?: (line: string) => void; now?: () => Date } = {},
): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  const log = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (ORDER[level] < min) return;
    let line: string;
    try {
      line = JSON.stringify({ time: now().toISOString(), level, msg, ...fields });
    } catch {
      line = JSON.stringify({ time: now().toISOString(), level, msg, fields: '[unserialisable]' });
    }
    write(`${line}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
