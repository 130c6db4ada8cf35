/** One SSE message as the browser would see it, or a comment. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/**
 * Reads an event stream's body frame by frame (a frame ends with a blank line), with a deadline
 * for each wait so a stream that stalls fails the test instead of hanging it.
 */
export class EventStreamReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';
  /** Everything received so far, as text. */
  raw = '';
  /** Whether the server ended the stream. */
  ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }

  /** The next frame; `null` when the stream ended first. */
  async next(timeoutMs = 3000): Promise<SseFrame | null> {
    while (true) {
      const end = this.#buffer.indexOf('\n\n');
      if (end !== -1) {
        const text = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        return parseFrame(text);
      }
      if (this.ended) return null;
      const chunk = await withTimeout(this.#reader.read(), timeoutMs, 'no SSE frame arrived in time');
      if (chunk.done) {
        this.ended = true;
        continue;
      }
      const text = this.#decoder.decode(chunk.value, { stream: true });
      this.raw += text;
      this.#buffer += text;
    }
  }

  /** The next `count` frames that are events (comments skipped). */
  async events(count: number, timeoutMs = 3000): Promise<SseFrame[]> {
    const out: SseFrame[] = [];
    while (out.length < count) {
      const frame = await this.next(timeoutMs);
      if (frame === null) throw new Error(`stream ended after ${out.length} of ${count} events`);
      if (frame.data !== undefined) out.push(frame);
    }
    return out;
  }

  /** Resolves once the server has ended the stream (what arrives meanwhile goes to `raw` only). */
  async waitForEnd(timeoutMs: number): Promise<void> {
    while (!this.ended) {
      const chunk = await withTimeout(this.#reader.read(), timeoutMs, 'the stream did not end in time');
      if (chunk.done) this.ended = true;
      else this.raw += this.#decoder.decode(chunk.value, { stream: true });
    }
  }

  /** Stops reading (the client goes away). */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }
}

function parseFrame(text: string): SseFrame {
  const frame: SseFrame = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) {
      frame.comment =
        frame.comment === undefined ? line.slice(1).trim() : `${frame.comment}\n${line.slice(1).trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    else if (field === 'id' || field === 'event' || field === 'retry') frame[field] = value;
  }
  return frame;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
