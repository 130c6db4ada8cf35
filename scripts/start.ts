// `pnpm start`: the reference server from the workspace sources, ready on a fresh checkout.
// The server itself refuses to start without HALITE_SECRET; for local use this script keeps a
// generated one in .halite/secret (mode 0600) and says so. Production sets HALITE_SECRET.
// The web console is built first when its dist/ is missing or older than its sources; the
// server finds packages/console/dist itself (or serves HALITE_CONSOLE_DIR when set).
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { buildConsoleIfStale } from '../packages/console/scripts/build-if-stale.ts';

if (!process.env.HALITE_SECRET) {
  const file = '.halite/secret';
  if (!existsSync(file)) {
    mkdirSync('.halite', { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
    chmodSync(file, 0o600);
    process.stderr.write(
      `pnpm start: generated a local HALITE_SECRET in ${file} (set HALITE_SECRET in production)\n`,
    );
  }
  process.env.HALITE_SECRET = readFileSync(file, 'utf8').trim();
}
if (!process.env.HALITE_CONSOLE_DIR) {
  try {
    buildConsoleIfStale((line) => process.stderr.write(`pnpm start: ${line}\n`));
  } catch (error) {
    // The API still works without the console; say why it is missing and go on.
    process.stderr.write(`pnpm start: the web console is not served: ${(error as Error).message}\n`);
  }
}
process.argv = [process.argv[0] ?? 'node', 'halite', 'serve', ...process.argv.slice(2)];
await import('../packages/http-adapter/src/cli.ts');
