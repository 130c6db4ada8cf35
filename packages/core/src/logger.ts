/** Structured fields attached to a log line. Never put secrets here. */
export type LogFields = Record<string, unknown>;

/**
 * The logger Halite writes to. Any structured logger (pino, winston, console) fits with a
 * one-line adapter; the default is {@link silentLogger}.
 */
export interface Logger {
  /** Fine-grained detail for troubleshooting. */
  debug(message: string, fields?: LogFields): void;
  /** Normal operation worth recording. */
  info(message: string, fields?: LogFields): void;
  /** Something went wrong and was survived. */
  warn(message: string, fields?: LogFields): void;
  /** Something went wrong and an operation failed. */
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything: the default when none is injected. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
