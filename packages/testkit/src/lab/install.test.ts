import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureSaltInstalled, INSTALL_STAMP } from './install.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A cache dir holding a venv-like `salt-<version>` whose tools are tiny shell scripts. */
async function fakeVenv(version: string, reports = version): Promise<{ cacheDir: string; venvDir: string }> {
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'hl-install-'));
  dirs.push(cacheDir);
  const venvDir = path.join(cacheDir, `salt-${version}`);
  await mkdir(path.join(venvDir, 'bin'), { recursive: true });
  const script = async (name: string, body: string) => {
    await writeFile(path.join(venvDir, 'bin', name), `#!/bin/sh\n${body}\n`);
    await chmod(path.join(venvDir, 'bin', name), 0o755);
  };
  await script('salt-master', `echo "salt-master ${reports} (Test)"`);
  await script('salt-api', 'exit 0');
  await script('python', 'exit 0');
  return { cacheDir, venvDir };
}

const quiet = () => {};

describe('ensureSaltInstalled', () => {
  it('adopts a complete venv without a stamp, stamps it, then reuses it as cached', async () => {
    const { cacheDir, venvDir } = await fakeVenv('9.9.1');
    const first = await ensureSaltInstalled({ version: '9.9.1', cacheDir, log: quiet });
    expect(first).toEqual({ version: '9.9.1', venvDir, binDir: path.join(venvDir, 'bin'), route: 'adopted' });
    expect(JSON.parse(await readFile(path.join(venvDir, INSTALL_STAMP), 'utf8'))).toMatchObject({
      version: '9.9.1',
      route: 'adopted',
    });
    expect((await ensureSaltInstalled({ version: '9.9.1', cacheDir, log: quiet })).route).toBe('cached');
  });

  it('takes over the lock of an installer that died', async () => {
    const { cacheDir, venvDir } = await fakeVenv('9.9.2');
    const dead = spawn('true');
    await new Promise((resolve) => dead.once('exit', resolve));
    await writeFile(`${venvDir}.lock`, String(dead.pid));
    expect(
      (await ensureSaltInstalled({ version: '9.9.2', cacheDir, log: quiet, timeoutMs: 5_000 })).route,
    ).toBe('adopted');
  });

  it('waits for a live lock holder, and says so when it gives up', async () => {
    const { cacheDir, venvDir } = await fakeVenv('9.9.3');
    await writeFile(`${venvDir}.lock`, String(process.pid));
    const lines: string[] = [];
    const error = await ensureSaltInstalled({
      version: '9.9.3',
      cacheDir,
      log: (l) => lines.push(l),
      timeoutMs: 700,
    }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/timed out waiting for the Salt install lock .* \(held by pid \d+\)/);
    expect(lines).toEqual([`waiting for another process (pid ${process.pid}) to finish installing Salt`]);
  });

  it('rejects a version that is not a version', async () => {
    await expect(ensureSaltInstalled({ version: '3008.5; rm -rf /', log: quiet })).rejects.toThrow(
      /invalid Salt version/,
    );
  });
});
