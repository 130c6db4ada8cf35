// An open-loop load generator for latency at a given rate: requests fall due at evenly spaced
// times over `connections` keep-alive sockets, and each latency counts from when the request was
// due, so time spent waiting for a free socket is in the figure (no coordinated omission).
// autocannon's `overallRate` instead sends each second's quota as fast as it can at the start of
// the second: that measures bursts at full speed, not the rate. The client is raw sockets and a
// minimal HTTP/1.1 reader (Content-Length answers only, as the benchmarked routes give), so its
// own cost stays small beside the server's.
import { connect, type Socket } from 'node:net';

export interface PacedLoadOptions {
  url: string;
  /** Requests per second, all connections together. */
  rate: number;
  connections: number;
  seconds: number;
  /**
   * How long after the last request fell due the run waits for answers (default 5000 ms): a
   * server slower than the rate is not waited for forever. What is still unanswered then counts
   * as errors, each with the latency it had reached.
   */
  graceMs?: number;
}

export interface PacedLoadResult {
  requests: number;
  /** Requests answered per second over the run. */
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
}

interface Connection {
  socket: Socket;
  /** The request in flight (its index), or -1 when idle. */
  current: number;
  buffered: Buffer;
  /** Body bytes still to come of the current answer, or -1 while its head is being read. */
  remaining: number;
  status: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');

export async function pacedLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const target = new URL(options.url);
  const line = Buffer.from(
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: keep-alive\r\n\r\n`,
  );
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const latencies = new Float64Array(total);
  const settled = new Uint8Array(total);
  const waiting: number[] = [];
  let head = 0;
  let answered = 0;
  let non2xx = 0;
  let errors = 0;
  let started = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });

  // Idle connections, oldest first: taking them in turn keeps every socket in use, so a server's
  // keep-alive timeout never closes one the client still counts on.
  const idle: Connection[] = [];
  const take = () => idle.shift();
  const complete = (c: Connection) => {
    latencies[c.current] = performance.now() - (started + c.current * interval);
    settled[c.current] = 1;
    if (c.status < 200 || c.status > 299) non2xx += 1;
    c.current = -1;
    answered += 1;
    if (answered === total) finish();
    else if (head < waiting.length) send(c, waiting[head++]!);
    else idle.push(c);
  };
  const send = (c: Connection, i: number) => {
    c.current = i;
    c.remaining = -1;
    if (c.socket.destroyed) lost(c);
    else c.socket.write(line);
  };
  /** A connection gone: its request counts as answered with an error, and it is not used again. */
  const lost = (c: Connection) => {
    const at = idle.indexOf(c);
    if (at !== -1) idle.splice(at, 1);
    if (c.current === -1) return;
    errors += 1;
    latencies[c.current] = performance.now() - (started + c.current * interval);
    settled[c.current] = 1;
    c.current = -1;
    answered += 1;
    if (answered === total) finish();
  };
  const onData = (c: Connection, chunk: Buffer) => {
    c.buffered = c.buffered.length ? Buffer.concat([c.buffered, chunk]) : chunk;
    while (c.current !== -1) {
      if (c.remaining === -1) {
        const end = c.buffered.indexOf(HEAD_END);
        if (end === -1) return;
        const headText = c.buffered.toString('latin1', 0, end);
        c.status = Number(headText.slice(9, 12));
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(headText);
        c.remaining = length ? Number(length[1]) : 0;
        c.buffered = c.buffered.subarray(end + 4);
      }
      if (c.buffered.length < c.remaining) {
        c.remaining -= c.buffered.length;
        c.buffered = Buffer.alloc(0);
        return;
      }
      c.buffered = c.buffered.subarray(c.remaining);
      complete(c);
    }
  };

  const connections = await Promise.all(
    Array.from(
      { length: options.connections },
      () =>
        new Promise<Connection>((resolve, reject) => {
          const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
          const c: Connection = { socket, current: -1, buffered: Buffer.alloc(0), remaining: -1, status: 0 };
          socket.once('connect', () => resolve(c));
          socket.once('error', reject);
          socket.on('data', (chunk: Buffer) => onData(c, chunk));
        }),
    ),
  );
  for (const c of connections) {
    c.socket.removeAllListeners('error');
    c.socket.on('error', () => {
      errors += 1;
    });
    c.socket.on('close', () => lost(c));
    idle.push(c);
  }

  started = performance.now();
  let due = 0;
  const tick = () => {
    const now = performance.now();
    while (due < total && started + due * interval <= now) {
      const c = take();
      if (c) send(c, due);
      else waiting.push(due);
      due += 1;
    }
    if (due < total) setTimeout(tick, Math.max(0, started + due * interval - performance.now()));
  };
  tick();
  const grace = setTimeout(finish, options.seconds * 1000 + (options.graceMs ?? 5000));
  await done;
  clearTimeout(grace);
  const elapsed = (performance.now() - started) / 1000;
  const end = performance.now();
  for (let i = 0; i < total; i++) {
    if (!settled[i]) {
      latencies[i] = end - (started + i * interval);
      errors += 1;
    }
  }
  for (const c of connections) {
    c.socket.removeAllListeners('close');
    c.socket.destroy();
  }

  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
  return {
    requests: total,
    rps: Math.round(answered / elapsed),
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: at(1),
    non2xx,
    errors,
  };
}
