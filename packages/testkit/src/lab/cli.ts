/**
 * `pnpm salt:lab` — starts a real Salt lab in the foreground for local development and for
 * trying the console by hand, prints the salt-api URL and credentials, and stops it on Ctrl-C.
 *
 * Options: `--minions m1,m2,m3` `--pending p1` `--salt-version 3008.5` `--token-expire 43200`
 * `--port 8000` `--transport zeromq|tcp`.
 */
import { parseArgs } from 'node:util';
import { startSaltLab } from './lab.js';

const HELP = `Usage: pnpm salt:lab [options]

Starts salt-master, minions and salt-api (rest_cherrypy, http) on 127.0.0.1 and keeps them
running until Ctrl-C.

  --minions LIST        accepted minion ids (default m1,m2,m3)
  --pending LIST        minion ids left pending in minions_pre (default p1; "" for none)
  --salt-version V      Salt release from PyPI (default 3008.5)
  --token-expire SECS   Salt eauth token lifetime (default 43200)
  --port PORT           salt-api port (default: a free port)
  --transport T         zeromq (default) or tcp
  --username U / --password P   main eauth user (default halite / halite)
`;

function list(value: string | undefined, fallback: string[]): string[] {
  if (value === undefined) return fallback;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function int(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    // `pnpm salt:lab -- --port 8000` passes the `--` through: it is not an argument.
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      minions: { type: 'string' },
      pending: { type: 'string' },
      'salt-version': { type: 'string' },
      'token-expire': { type: 'string' },
      port: { type: 'string' },
      transport: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const transport = values.transport ?? 'zeromq';
  if (transport !== 'zeromq' && transport !== 'tcp') throw new Error('--transport must be zeromq or tcp');

  const lab = await startSaltLab({
    minions: list(values.minions, ['m1', 'm2', 'm3']),
    pending: list(values.pending, ['p1']),
    saltVersion: values['salt-version'],
    tokenExpire: int('token-expire', values['token-expire']),
    apiPort: int('port', values.port),
    transport,
    username: values.username,
    password: values.password,
  });

  const c = `-c ${lab.rootDir}/etc/salt`;
  process.stdout.write(
    [
      '',
      `Salt ${lab.saltVersion} lab is up.`,
      '',
      `  salt-api URL : ${lab.url}`,
      `  username     : ${lab.username}`,
      `  password     : ${lab.password}`,
      `  eauth        : ${lab.eauth}`,
      `  viewer user  : ${lab.viewer.username} / ${lab.viewer.password} (test.*, runner jobs.* and manage.*)`,
      `  minions      : ${lab.minions.join(', ') || '(none)'}${lab.pending.length ? `   pending: ${lab.pending.join(', ')}` : ''}`,
      `  lab dir      : ${lab.rootDir}   (logs in ${lab.rootDir}/logs)`,
      '',
      'Try:',
      `  curl -s ${lab.url}/login -H 'Content-Type: application/json' \\`,
      `    -d '{"username":"${lab.username}","password":"${lab.password}","eauth":"${lab.eauth}"}'`,
      `  salt CLI: PATH=${process.env.HALITE_SALT_CACHE || '~/.cache/halite'}/salt-${lab.saltVersion}/bin:$PATH salt ${c} '*' test.ping`,
      '',
      'Press Ctrl-C to stop (every process is killed and the lab dir removed).',
      '',
    ].join('\n'),
  );

  // The daemons are unref'd (they never keep Node alive on their own): hold the process open.
  const keepAlive = setInterval(() => {}, 60_000);
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  clearInterval(keepAlive);
  process.stdout.write('\nstopping the lab…\n');
  await lab.stop();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
