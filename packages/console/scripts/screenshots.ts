/**
 * Regenerates docs/screenshots/: one PNG per console page at a laptop size (1440×900, light),
 * the overview in dark too, and the minion list on a phone (390×844). Runs the same real stack
 * as the browser tests (Salt lab, reference server on SQLite, Chromium):
 *
 *   pnpm screenshots
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { ADMIN_PASSWORD, configureOverApi, type Stack, startStack } from '../e2e/harness.js';

const OUT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'docs',
  'screenshots',
);
const LAPTOP: BrowserContextOptions = { viewport: { width: 1440, height: 900 }, colorScheme: 'light' };
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  colorScheme: 'light',
};
/** How long data from Salt may take to show (pollers run every few seconds here). */
const SALT_SLA = 60_000;

const log = (line: string) => process.stderr.write(`[screenshots] ${line}\n`);

/** Waits for the page's heading and anything the page is still loading, then saves it. */
async function shoot(page: Page, name: string, ready?: string): Promise<void> {
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  if (ready) await page.locator(ready).first().waitFor({ timeout: SALT_SLA });
  await page.waitForFunction(() => document.querySelectorAll('[aria-busy="true"]').length === 0);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.screenshot({ path: path.join(OUT, `${name}.png`), animations: 'disabled', caret: 'hide' });
  log(`${name}.png`);
}

async function signIn(page: Page): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

async function run(stack: Stack): Promise<void> {
  await mkdir(OUT, { recursive: true });
  // Pages that were renamed or dropped leave no stale picture behind; the README stays.
  for (const file of await readdir(OUT)) if (file.endsWith('.png')) await rm(path.join(OUT, file));

  const visitor = await stack.newPage(LAPTOP);
  await visitor.page.goto('/login');
  await shoot(visitor.page, 'login');
  await visitor.context.close();

  const api = await configureOverApi(stack);
  const roles = (await api.ok('GET', '/api/roles')) as { roles: Array<{ id: string; name: string }> };
  const role = (name: string) => roles.roles.filter((r) => r.name === name).map((r) => r.id);
  for (const [username, display_name, roleName] of [
    ['olga', 'Olga Operator', 'operator'],
    ['vera', 'Vera Viewer', 'viewer'],
  ] as const) {
    await api.ok('POST', '/api/users', {
      username,
      display_name,
      password: `${username}-password-123`,
      must_change_pw: false,
      role_ids: role(roleName),
    });
  }

  const { context, page } = await stack.newPage(LAPTOP);
  await signIn(page);

  // A job with results first, so Jobs, Activity and the overview have something to show.
  await page.goto('/run');
  await page.getByLabel('Target', { exact: true }).fill('*');
  await page.getByLabel('Function').fill('test.ping');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  for (const id of stack.lab.minions)
    await page.locator(`[data-testid="run-result"][data-minion-id="${id}"]`).waitFor({ timeout: SALT_SLA });
  const jid = (((await page.getByTestId('run-jid').textContent()) ?? '').match(/\d{20}/) ?? [''])[0];
  await shoot(page, 'run');

  const pages: Array<[name: string, url: string, ready?: string]> = [
    ['minions', '/minions', `[data-testid="minion-row"][data-minion-id="${stack.lab.minions[0]}"]`],
    ['minion-detail', `/minions/${stack.lab.minions[0]}`],
    ['keys', '/keys', '[data-testid="key-row"][data-state="pending"]'],
    ['jobs', '/jobs', `[data-testid="job-row"][data-jid="${jid}"]`],
    ['job-detail', `/jobs/${jid}`],
    ['activity', '/activity', '[data-testid="activity-row"][data-type="job.ret"]'],
    ['audit', '/audit'],
    ['users', '/users'],
    ['roles', '/roles'],
    ['settings', '/settings'],
    ['overview', '/'],
  ];
  for (const [name, url, ready] of pages) {
    await page.goto(url);
    await shoot(page, name, ready);
  }
  const cookies = await context.cookies();
  await context.close();

  const dark = await stack.newPage({ ...LAPTOP, colorScheme: 'dark' });
  await dark.context.addCookies(cookies);
  await dark.page.goto('/');
  await shoot(dark.page, 'overview-dark');
  await dark.context.close();

  const phone = await stack.newPage(PHONE);
  await phone.context.addCookies(cookies);
  await phone.page.goto('/minions');
  await shoot(phone.page, 'minions-phone', '[data-testid="minion-row"]');
  await phone.context.close();
}

const stack = await startStack({ log });
try {
  await run(stack);
  log(`written to ${OUT}`);
} finally {
  await stack.close();
}
