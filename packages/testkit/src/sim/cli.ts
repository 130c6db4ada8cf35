/**
 * `pnpm sim` — a salt-api simulator with a fleet of any size, in the foreground until Ctrl-C, so
 * the console can be tried at 50,000 minions by hand. Prints the URL, the credentials and the
 * line that points `pnpm start` at it. See docs/simulator.md.
 */
import { parseArgs } from 'node:util';
import { startSaltSimulator } from './server.js';

const HELP = `Usage: pnpm sim [options]

Starts a salt-api (rest_cherrypy) simulator on 127.0.0.1 with a deterministic fleet.

  --minions N          minions, keys in every state included (default 1000)
  --jobs N             jobs in the job cache, spread over the last 24 h (default 1000)
  --seed N             seed of the fleet (default 42)
  --events N           background events per second on /events (default 10)
  --churn-every SECS   every SECS seconds 1% of grains and 0.5% of presence change (default 0: never)
  --token-expire SECS  token lifetime (default 43200)
  --latency MS         added to every answer (default 0)
  --port PORT          default 8000; 0 picks a free port
  --host HOST          default 127.0.0.1
  --username U / --password P / --eauth E   the account (default halite / halite / file)
  --json               print one JSON line {url, username, password, eauth, minions} when ready
`;

function int(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number ≥ 0, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    // `pnpm sim -- --minions 50000` passes the `--` through: it is not an argument.
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      minions: { type: 'string' },
      jobs: { type: 'string' },
      seed: { type: 'string' },
      events: { type: 'string' },
      'churn-every': { type: 'string' },
      'token-expire': { type: 'string' },
      latency: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      eauth: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const started = performance.now();
  const account = {
    username: values.username ?? 'halite',
    password: values.password ?? 'halite',
    eauth: values.eauth ?? 'file',
  };
  const sim = await startSaltSimulator({
    ...account,
    minions: int('minions', values.minions, 1_000),
    jobs: int('jobs', values.jobs, 1_000),
    seed: int('seed', values.seed, 42),
    eventsPerSecond: int('events', values.events, 10),
    tokenExpireSeconds: int('token-expire', values['token-expire'], 43_200) || 43_200,
    faults: { latencyMs: int('latency', values.latency, 0) },
    port: int('port', values.port, 8000),
    host: values.host ?? '127.0.0.1',
  });
  const churnEvery = int('churn-every', values['churn-every'], 0);
  const churn =
    churnEvery > 0
      ? setInterval(() => sim.churn({ grains: 0.01, presence: 0.005 }), churnEvery * 1000)
      : null;
  const minions = sim.fleet.minions.size;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ url: sim.url, ...account, minions, pid: process.pid })}\n`);
  } else {
    process.stdout.write(
      `salt-api simulator: ${sim.url} (${minions} minions, ${sim.fleet.jobs.length} jobs, ready in ${Math.round(performance.now() - started)} ms)\n` +
        `  credentials: ${account.username} / ${account.password} (eauth ${account.eauth})\n` +
        `  console:     HALITE_SALT_URL=${sim.url} HALITE_SALT_USERNAME=${account.username} HALITE_SALT_PASSWORD=${account.password} HALITE_SALT_EAUTH=${account.eauth} npx -y pnpm@10.34.9 start\n` +
        `  faults:      curl -XPOST ${sim.url}/_sim/faults -d '{"errorBurst":{"status":503,"count":5}}'\n` +
        'Ctrl-C stops it.\n',
    );
  }
  const stop = () => {
    if (churn) clearInterval(churn);
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`pnpm sim: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
