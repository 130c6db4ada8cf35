// Runs every benchmark in bench/ (files named *.bench.ts), one process each, in name order.
//   pnpm bench                          full size (the memory run alone takes 30 minutes)
//   pnpm bench --smoke                  small sizes, for CI (well under two minutes in all)
//   pnpm bench --only ingest,reads      some of them
//   pnpm bench --only memory --duration 5m
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  // `pnpm bench -- --smoke` passes the `--` through: it is not an argument.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    duration: { type: 'string' },
  },
});
const here = dirname(fileURLToPath(import.meta.url));
const only = values.only?.split(',').map((name) => name.trim().replace(/\.bench\.ts$/, ''));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !only || only.includes(f.replace(/\.bench\.ts$/, '')))
  .sort();
if (files.length === 0) throw new Error(`no benchmark matches --only ${values.only}`);
let failed = 0;
const started = performance.now();
for (const file of files) {
  process.stdout.write(`\n## ${file}\n`);
  const args = values.smoke ? ['--smoke'] : [];
  if (values.duration && file === 'memory.bench.ts') args.push('--duration', values.duration);
  const t = performance.now();
  const child = spawnSync(process.execPath, [...process.execArgv, join(here, file), ...args], {
    stdio: 'inherit',
  });
  process.stdout.write(`(${file}: ${Math.round((performance.now() - t) / 1000)} s)\n`);
  if (child.status !== 0) {
    failed++;
    process.stderr.write(`${file} failed (exit ${child.status ?? child.signal})\n`);
  }
}
process.stdout.write(
  `\n${files.length - failed}/${files.length} benchmarks ran in ${Math.round((performance.now() - started) / 1000)} s\n`,
);
process.exitCode = failed > 0 ? 1 : 0;
