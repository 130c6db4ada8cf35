import {
  PollerSettingsUpdate,
  SaltConnectionTest,
  SaltConnectionTestResult,
  SaltSettingsUpdate,
  SettingsView,
} from '@halite/core';
import { z } from 'zod';
import { haliteRoute, NoQuery } from './define.js';

/** `GET /api/admin/settings/status`: what the first-run setup still needs. */
const SetupStatus = z.object({
  configured: z.boolean(),
  missing: z.array(z.string()),
  detail: z.string().nullable(),
});

/** Settings: read and change the salt-api connection and the pollers; test a connection. */
export const settingsRoutes = [
  haliteRoute({
    method: 'GET',
    path: '/api/admin/settings/status',
    permission: 'authenticated',
    summary: 'Whether Salt is configured, and what is missing (for the setup wizard)',
    tags: ['settings'],
    query: NoQuery,
    response: SetupStatus,
    handler: async ({ app }) => app.settings.setupStatus(),
  }),
  haliteRoute({
    method: 'GET',
    path: '/api/admin/settings',
    permission: 'edit:settings:*',
    summary: 'Every setting (the salt-api password only as password_set)',
    tags: ['settings'],
    query: NoQuery,
    response: SettingsView,
    handler: ({ app }) => app.settings.get(),
  }),
  haliteRoute({
    method: 'PUT',
    path: '/api/admin/settings/salt',
    permission: 'edit:settings:*',
    summary: 'Change the salt-api connection; the runtime reloads without a restart',
    tags: ['settings'],
    query: NoQuery,
    body: SaltSettingsUpdate,
    response: SettingsView,
    handler: ({ app, body }) => app.settings.updateSalt(body),
  }),
  haliteRoute({
    method: 'PUT',
    path: '/api/admin/settings/pollers',
    permission: 'edit:settings:*',
    summary: 'Change poller intervals and the event stream; the runtime reloads',
    tags: ['settings'],
    query: NoQuery,
    body: PollerSettingsUpdate,
    response: SettingsView,
    handler: ({ app, body }) => app.settings.updatePollers(body),
  }),
  haliteRoute({
    method: 'POST',
    path: '/api/admin/settings/test-salt',
    permission: 'edit:settings:*',
    summary: 'Try a salt-api connection without saving it',
    tags: ['settings'],
    query: NoQuery,
    body: SaltConnectionTest,
    response: SaltConnectionTestResult,
    handler: ({ app, body }) => app.settings.testConnection(body),
  }),
  haliteRoute({
    method: 'POST',
    path: '/api/admin/settings/test-salt-saved',
    permission: 'edit:settings:*',
    summary: 'Try the saved salt-api connection',
    tags: ['settings'],
    query: NoQuery,
    response: SaltConnectionTestResult,
    handler: ({ app }) => app.settings.testSaved(),
  }),
  haliteRoute({
    method: 'GET',
    path: '/api/admin/status',
    permission: 'edit:settings:*',
    summary: 'The salt-api connection, every poller and the event stream consumer',
    tags: ['settings'],
    query: NoQuery,
    handler: async ({ app }) => app.runtime.status(),
  }),
];
