// The baseline of the reads benchmark: a console that asks salt-api live for every page, the way
// consoles without a database of their own do. GET /api/minions lists the keys (wheel
// key.list_all), pages the accepted ids (optionally by id prefix) and fetches the page's grains
// (runner cache.grains, tgt_type list); filtering by OS needs every matching minion's grains
// (cache.grains, tgt_type grain). GET /api/jobs asks runner jobs.list_jobs with search_function.
// fetch + JSON.parse only, one session token. Prints one JSON line {url, pid} when listening.
//
//   tsx --conditions=dev-source bench/live-console.ts <salt-api url> <username> <password> <eauth>
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const [saltUrl, username, password, eauth] = process.argv.slice(2);
if (!saltUrl) throw new Error('usage: live-console.ts <salt-api url> <username> <password> <eauth>');

let token: Promise<string> | null = null;
const login = async () => {
  const response = await fetch(`${saltUrl}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ username, password, eauth }),
  });
  return ((await response.json()) as { return: [{ token: string }] }).return[0].token;
};
async function salt(chunk: Record<string, unknown>): Promise<unknown> {
  token ??= login();
  const response = await fetch(`${saltUrl}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-Auth-Token': await token },
    body: JSON.stringify([chunk]),
  });
  if (!response.ok) throw new Error(`salt-api ${response.status}`);
  return (JSON.parse(await response.text()) as { return: unknown[] }).return[0];
}

type Grains = Record<string, Record<string, unknown>>;
const row = (id: string, g: Record<string, unknown> | undefined) => ({
  id,
  os: g?.os ?? null,
  os_family: g?.os_family ?? null,
  osrelease: g?.osrelease ?? null,
  saltversion: g?.saltversion ?? null,
  ip: (g?.ipv4 as string[] | undefined)?.[1] ?? null,
});

async function minions(params: URLSearchParams) {
  const limit = Number(params.get('limit') ?? 50);
  const family = params.get('os_family');
  if (family) {
    const grains = (await salt({
      client: 'runner',
      fun: 'cache.grains',
      kwarg: { tgt: `os_family:${family}`, tgt_type: 'grain' },
    })) as Grains;
    const ids = Object.keys(grains).sort();
    return { total: ids.length, minions: ids.slice(0, limit).map((id) => row(id, grains[id])) };
  }
  const keys = (await salt({ client: 'wheel', fun: 'key.list_all' })) as {
    data: { return: { minions: string[] } };
  };
  // An id prefix (the benchmark's search): `id_prefix`, or `search` as the older runs sent it.
  const prefix = params.get('id_prefix') ?? params.get('search');
  const ids = prefix
    ? keys.data.return.minions.filter((id) => id.startsWith(prefix))
    : keys.data.return.minions;
  const page = ids.slice(0, limit);
  const grains = (await salt({
    client: 'runner',
    fun: 'cache.grains',
    kwarg: { tgt: page, tgt_type: 'list' },
  })) as Grains;
  return { total: ids.length, minions: page.map((id) => row(id, grains[id])) };
}

async function jobs(params: URLSearchParams) {
  const limit = Number(params.get('limit') ?? 50);
  const since = new Date(Date.now() - 86_400_000).toISOString().slice(0, 19);
  const listed = (await salt({
    client: 'runner',
    fun: 'jobs.list_jobs',
    kwarg: { start_time: since, search_function: params.get('function') ?? '*' },
  })) as Record<string, Record<string, unknown>>;
  const jids = Object.keys(listed).sort().reverse();
  return { total: jids.length, jobs: jids.slice(0, limit).map((jid) => ({ jid, ...listed[jid] })) };
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://live');
  const answer =
    url.pathname === '/api/minions'
      ? minions(url.searchParams)
      : url.pathname === '/api/jobs'
        ? jobs(url.searchParams)
        : null;
  if (!answer) {
    res.writeHead(404).end();
    return;
  }
  answer.then(
    (body) => {
      const text = JSON.stringify(body);
      res
        .writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
        .end(text);
    },
    (error: unknown) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' }).end(String(error));
    },
  );
});
server.keepAliveTimeout = 65_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
process.stdout.write(
  `${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, pid: process.pid })}\n`,
);
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
});
