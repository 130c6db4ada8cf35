export { HaliteError, type HaliteErrorCode, type HaliteErrorOptions } from './errors.js';
export { type LogFields, type Logger, silentLogger } from './logger.js';
