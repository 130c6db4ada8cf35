/**
 * A minimal `fetch` over `node:https` that does not verify the server's certificate, for
 * `verifyTls: false`. Node 20's global fetch (undici) takes a `dispatcher`, but its `Agent`
 * class is not reachable without adding `undici` as a dependency, so the TLS-off case goes
 * through `node:https` instead. It supports what the client sends (a string body, headers, an
 * AbortSignal) and streams the answer, so `/events` works over it too.
 */
export function createUnverifiedTlsFetch(): typeof fetch {
  return async (input, init = {}) => {
    const [https, { Readable }] = await Promise.all([import('node:https'), import('node:stream')]);
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      throw new TypeError('unverified TLS fetch: only string bodies are supported');
    }
    if (typeof body === 'string') headers['content-length'] = String(Buffer.byteLength(body));
    init.signal?.throwIfAborted();

    return new Promise<Response>((resolve, reject) => {
      const request = https.request(
        url,
        {
          method: init.method ?? 'GET',
          headers,
          rejectUnauthorized: false,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const responseHeaders = new Headers();
          for (const [key, value] of Object.entries(res.headers)) {
            if (value === undefined) continue;
            for (const item of Array.isArray(value) ? value : [value]) responseHeaders.append(key, item);
          }
          const status = res.statusCode ?? 502;
          const nullBody = status === 204 || status === 205 || status === 304;
          if (nullBody) res.resume();
          const stream = nullBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
          resolve(
            new Response(stream, { status, statusText: res.statusMessage ?? '', headers: responseHeaders }),
          );
        },
      );
      request.on('error', reject);
      if (typeof body === 'string') request.write(body);
      request.end();
    });
  };
}
