// Runs every benchmark in bench/ (files named *.bench.ts), one process each, in name order.
//   pnpm bench            full size
//   pnpm bench --smoke    small sizes, for CI
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n## ${file}\n`);
  const child = spawnSync(process.execPath, [...process.execArgv, join(here, file), ...args], {
    stdio: 'inherit',
  });
  if (child.status !== 0) {
    failed++;
    process.stderr.write(`${file} failed (exit ${child.status ?? child.signal})\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
