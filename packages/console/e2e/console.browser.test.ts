/**
 * The web console in Chromium against the reference server (SQLite) and a real Salt lab: the
 * first run of an install as an operator lives it, then a viewer who may not run anything.
 * One stack for the file; the steps build on each other and run in order.
 */
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  ApiSession,
  FAST_POLLERS,
  FIRST_BOOT_PASSWORD,
  type Stack,
  startStack,
} from './harness.js';

/** How long a change in Salt may take to show in the console (pollers, event stream, a busy CI). */
const SALT_SLA = 60_000;

let stack: Stack;
let admin: { context: BrowserContext; page: Page; errors: string[] };
/** The jid of the test.ping run. */
let jid = '';

beforeAll(async () => {
  stack = await startStack();
  admin = await stack.newPage();
});

afterAll(async () => {
  await stack?.close();
});

/** The first step that failed: the steps build on each other, so the rest are skipped. */
let failedStep: string | undefined;
beforeEach(({ skip }) => {
  if (failedStep) skip(`skipped: an earlier step failed (${failedStep})`);
});

// A failed step leaves what the admin's page showed: its URL and text in the log (CI keeps
// only the log) and a screenshot in the temp dir.
afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail') return;
  failedStep ??= task.name;
  if (!admin) return;
  const { page } = admin;
  const file = path.join(os.tmpdir(), `halite-browser-failure-${Date.now()}.png`);
  await page.screenshot({ path: file }).catch(() => undefined);
  // biome-ignore lint/performance/useDomNodeTextContent: the text as rendered, one line per block
  const text = await page.evaluate(() => document.body.innerText).catch(() => '');
  process.stderr.write(
    `[browser] failed on ${page.url()} (screenshot ${file}); the page said:\n${text.slice(0, 2000)}\n`,
  );
});

const nav = (page: Page): Locator => page.getByRole('navigation', { name: 'Main' });
/** A link of the main navigation by its label (a link may add a count, e.g. pending keys). */
const navLink = (page: Page, label: string): Locator =>
  nav(page).getByRole('link', { name: new RegExp(`^${label}(?:$|\\s*\\d)`) });

/** Follows a link of the main navigation and waits for the page's heading. */
async function open(page: Page, name: string, heading: string = name): Promise<void> {
  await navLink(page, name).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

describe('the web console against a real Salt', () => {
  it('sends a visitor to sign in, and says why a wrong password fails', async () => {
    const { page } = admin;
    await page.goto('/');
    await page.waitForURL('**/login');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/\S/);
    expect(page.url()).toMatch(/\/login$/);
  });

  it('signs the first-boot admin in and has the password changed', async () => {
    const { page } = admin;
    await page.getByLabel('Password').fill(FIRST_BOOT_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/change-password');
    await page.getByLabel('Current password').fill(FIRST_BOOT_PASSWORD);
    await page.getByLabel('New password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByLabel('Confirm new password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    // Nothing is configured yet: the first run continues with the salt-api connection.
    await page.waitForURL('**/setup');
    const me = new ApiSession(stack.url);
    await me.adopt(admin.context);
    expect(await me.ok('GET', '/api/auth/me')).toMatchObject({ username: 'admin', must_change_pw: false });
  });

  it('tests the salt-api connection on first run, then saves it', async () => {
    const { page } = admin;
    const { lab } = stack;
    const save = page.getByRole('button', { name: 'Save & continue' });
    await page.getByLabel('salt-api URL').fill(lab.url);
    await page.getByLabel('Username').fill(lab.username);
    await page.getByLabel('Password').fill(lab.password);
    const eauth = page.getByLabel('eauth');
    if ((await eauth.evaluate((el) => el.tagName)) === 'SELECT') await eauth.selectOption(lab.eauth);
    else await eauth.fill(lab.eauth);
    expect(await save.isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Logged in').waitFor({ timeout: SALT_SLA });
    expect(await save.isEnabled()).toBe(true);
    await save.click();
    await page.waitForURL((url) => !url.pathname.startsWith('/setup'));
    const api = new ApiSession(stack.url);
    await api.adopt(admin.context);
    expect(await api.ok('GET', '/api/admin/settings/status')).toMatchObject({ configured: true });
    await nav(page).waitFor();
  });

  it('sets short poller intervals and turns the event stream on in Settings', async () => {
    const { page } = admin;
    await open(page, 'Settings');
    // Short intervals, so Salt's changes show within seconds.
    const pollers = page.getByRole('region', { name: 'Pollers' });
    await pollers.getByLabel('Keys every (s)').fill(String(FAST_POLLERS.minion_state_keys_interval_seconds));
    await pollers
      .getByLabel('Presence every (s)')
      .fill(String(FAST_POLLERS.minion_state_presence_interval_seconds));
    await pollers
      .getByLabel('Grains every (s)')
      .fill(String(FAST_POLLERS.minion_state_grains_interval_seconds));
    await pollers
      .getByLabel('First pass after (s)')
      .fill(String(FAST_POLLERS.minion_state_initial_delay_seconds));
    await pollers.getByLabel('Jobs every (s)').fill(String(FAST_POLLERS.jobs_poll_interval_seconds));
    await pollers.getByRole('button', { name: 'Save poller settings' }).click();
    const stream = page.getByRole('region', { name: 'Event stream' });
    await stream.getByLabel('Follow the Salt event stream').check();
    await stream.getByRole('button', { name: 'Save event stream settings' }).click();

    const api = new ApiSession(stack.url);
    await api.adopt(admin.context);
    const { event_stream_enabled: _, ...intervals } = FAST_POLLERS;
    await expect
      .poll(async () => ((await api.ok('GET', '/api/admin/settings')) as { pollers: object }).pollers)
      .toMatchObject({ ...intervals, event_stream_enabled: true });
  });

  it('lists the minions Salt knows, and finds one by search', async () => {
    const { page } = admin;
    await open(page, 'Minions');
    const rows = page.getByTestId('minion-row');
    // The first minion-state pass after the settings change fills the list (runner calls: slow
    // on a busy machine).
    for (const id of stack.lab.minions)
      await rows.and(page.locator(`[data-minion-id="${id}"]`)).waitFor({ timeout: SALT_SLA });
    await page.getByLabel('Search minions').fill('m2');
    await expect
      .poll(() => rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-minion-id'))), {
        timeout: SALT_SLA,
      })
      .toEqual(['m2']);
    await page.getByLabel('Search minions').fill('');
  });

  it('accepts the pending key after a confirmation', async () => {
    const { page } = admin;
    const pending = stack.lab.pending[0] as string;
    await open(page, 'Keys');
    const row = page.locator(`[data-testid="key-row"][data-key-id="${pending}"]`);
    await row.and(page.locator('[data-state="pending"]')).waitFor({ timeout: SALT_SLA });
    await row.getByRole('button', { name: 'Accept' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'detached' });
    await row.and(page.locator('[data-state="accepted"]')).waitFor({ timeout: SALT_SLA });
    // Salt itself has the key accepted, not only the console's copy.
    const keys = JSON.parse((await stack.lab.saltKey('-L', '--out=json')).stdout) as Record<string, string[]>;
    expect(keys.minions).toContain(pending);
    expect(keys.minions_pre ?? []).not.toContain(pending);
  });

  it('runs test.ping on every minion and shows each return as it arrives', async () => {
    const { page } = admin;
    await open(page, 'Run');
    await page.getByLabel('Target', { exact: true }).fill('*');
    await page.getByLabel('Function').fill('test.ping');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const jidText = page.getByTestId('run-jid');
    await jidText.waitFor({ timeout: SALT_SLA });
    jid = (((await jidText.textContent()) ?? '').match(/\d{20}/) ?? [''])[0];
    expect(jid).toMatch(/^\d{20}$/);
    for (const id of stack.lab.minions) {
      const result = page.locator(`[data-testid="run-result"][data-minion-id="${id}"]`);
      await result.waitFor({ timeout: SALT_SLA });
      await expect.poll(() => result.textContent(), { timeout: SALT_SLA }).toMatch(/true/i);
    }
  });

  it('lists the job in Jobs, and opens it', async () => {
    const { page } = admin;
    await open(page, 'Jobs');
    const row = page.locator(`[data-testid="job-row"][data-jid="${jid}"]`);
    await row.waitFor({ timeout: SALT_SLA });
    await row.getByRole('link').first().click();
    await page.waitForURL(`**/jobs/${jid}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    for (const id of stack.lab.minions)
      await page.locator(`[data-testid="job-result"][data-minion-id="${id}"]`).waitFor({ timeout: SALT_SLA });
  });

  it("shows the job's events in Activity", async () => {
    const { page } = admin;
    await open(page, 'Activity');
    for (const type of ['job.new', 'job.ret']) {
      await page
        .locator(`[data-testid="activity-row"][data-type="${type}"]`)
        .filter({ has: page.locator(`a[href$="/jobs/${jid}"]`) })
        .first()
        .waitFor({ timeout: SALT_SLA });
    }
  });

  it('holds new events while Activity is paused, and shows them on resume', async () => {
    const { page } = admin;
    const rowsOf = (id: string) =>
      page.locator('[data-testid="activity-row"]').filter({ has: page.locator(`a[href$="/jobs/${id}"]`) });
    const pause = page.getByRole('button', { name: 'Pause' });
    await pause.click();
    await expect.poll(() => pause.getAttribute('aria-pressed')).toBe('true');
    // A job from Salt's own CLI: the console learns of it from the event stream only.
    const cli = await stack.lab.salt('--async', 'm1', 'test.ping');
    const cliJid = (cli.stdout.match(/\d{20}/) ?? [''])[0];
    expect(cliJid, cli.stdout + cli.stderr).toMatch(/^\d{20}$/);
    await page.getByText(/new events? held/).waitFor({ timeout: SALT_SLA });
    expect(await rowsOf(cliJid).count()).toBe(0);
    await pause.click();
    await expect.poll(() => pause.getAttribute('aria-pressed')).toBe('false');
    await rowsOf(cliJid).first().waitFor({ timeout: SALT_SLA });
  });

  it('keeps a viewer from running anything', async () => {
    const api = new ApiSession(stack.url);
    await api.adopt(admin.context);
    const roles = (await api.ok('GET', '/api/roles')) as { roles: Array<{ id: string; name: string }> };
    const viewerRole = roles.roles.find((r) => r.name === 'viewer');
    expect(viewerRole).toBeDefined();
    await api.ok('POST', '/api/users', {
      username: 'vera',
      display_name: 'Vera Viewer',
      password: 'vera-viewer-password',
      must_change_pw: false,
      role_ids: [viewerRole?.id],
    });

    const viewer = await stack.newPage();
    try {
      const { page } = viewer;
      await page.goto('/login');
      await page.getByLabel('Username').fill('vera');
      await page.getByLabel('Password').fill('vera-viewer-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await navLink(page, 'Minions').waitFor();
      expect(await navLink(page, 'Run').count()).toBe(0);
      await page.goto('/run');
      await page.getByTestId('state-forbidden').waitFor();
      expect(await page.getByRole('button', { name: 'Run', exact: true }).count()).toBe(0);
      expect(viewer.errors).toEqual([]);
    } finally {
      await viewer.context.close();
    }
  });

  it('signs the admin out, which ends the session on the server', async () => {
    const { page } = admin;
    const before = new ApiSession(stack.url);
    await before.adopt(admin.context);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    expect((await before.call('GET', '/api/auth/me')).status).toBe(401);
  });

  it('threw no error in the page, and the server logged none', () => {
    expect(admin.errors).toEqual([]);
    expect(stack.serverProblems.filter((line) => line.startsWith('error'))).toEqual([]);
  });
});
