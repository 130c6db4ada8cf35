import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, failureText, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { useCan } from '../../auth/session';
import { CheckField, Field, NoticeBox } from '../../ui/field';
import { count, dateTime, duration, timeAgo } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { useServerForm } from '../../ui/server-form';
import { useSettingsSave } from '../../ui/settings-save';
import { ErrorState, Forbidden, Loading } from '../../ui/states';
import { StatusBadge } from '../../ui/status';
import { EauthField } from './eauth-field';
import { parseRuntimeStatus } from './runtime-status';
import { describeTest, type SaltTestResult } from './salt-connection';

type Settings = paths['/api/admin/settings']['get']['responses'][200]['content']['application/json'];
type Pollers = Settings['pollers'];
type SaltUpdate = NonNullable<
  paths['/api/admin/settings/salt']['put']['requestBody']
>['content']['application/json'];

const settingsQuery = {
  queryKey: ['settings', 'all'] as const,
  queryFn: ({ signal }: { signal: AbortSignal }) => unwrap(api.GET('/api/admin/settings', { signal })),
};

/** The salt-api connection, the pollers, the event stream, and how they are doing. */
export function SettingsPage() {
  const allowed = useCan()('edit:settings:*');
  const settings = useQuery({ ...settingsQuery, enabled: allowed, refetchInterval: false });
  if (!allowed) {
    return (
      <>
        <PageHeader title="Settings" />
        <Forbidden what="change settings" />
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="Settings"
        sub={settings.data?.updated_at ? `saved ${timeAgo(settings.data.updated_at)}` : null}
      />
      {settings.error ? <ErrorState error={settings.error} what="change settings" /> : null}
      {settings.isPending ? <Loading /> : null}
      {settings.data ? (
        <div className="grid cols-2" style={{ alignItems: 'start' }}>
          <SaltCard salt={settings.data.salt} />
          <div>
            <PollersCard pollers={settings.data.pollers} />
            <EventStreamCard pollers={settings.data.pollers} />
          </div>
          <div style={{ gridColumn: '1 / -1' }}>
            <StatusCard />
          </div>
        </div>
      ) : null}
    </>
  );
}

function useSaveSettings() {
  const queryClient = useQueryClient();
  return (saved: Settings) => {
    queryClient.setQueryData(settingsQuery.queryKey, saved);
    // A reload changes what the status, the setup banner and every list show.
    void queryClient.invalidateQueries({ queryKey: ['settings', 'status'] });
    void queryClient.invalidateQueries({ queryKey: ['admin-status'] });
  };
}

function SaltCard({ salt }: { salt: Settings['salt'] }) {
  const [form, setForm] = useState({
    url: salt.url ?? '',
    username: salt.username ?? '',
    password: '',
    eauth: salt.eauth,
    verify: salt.verify,
  });
  const [result, setResult] = useState<SaltTestResult | null>(null);
  const saved = useSaveSettings();
  const save = useSettingsSave({
    save: () => {
      const body: SaltUpdate = {
        url: form.url || null,
        username: form.username || null,
        eauth: form.eauth,
        verify: form.verify,
      };
      if (form.password) body.password = form.password;
      return unwrap(api.PUT('/api/admin/settings/salt', { body }));
    },
    onSaved: (data) => {
      saved(data);
      setForm((f) => ({ ...f, password: '' }));
    },
    success: 'Salt settings saved. Halite reconnected with them.',
  });

  const test = useMutation({
    mutationFn: () =>
      form.password
        ? unwrap(
            api.POST('/api/admin/settings/test-salt', {
              body: {
                url: form.url,
                username: form.username,
                password: form.password,
                eauth: form.eauth,
                verify: form.verify,
              },
            }),
          )
        : unwrap(api.POST('/api/admin/settings/test-salt-saved')),
    onMutate: () => setResult(null),
    onSuccess: setResult,
    onError: (error) => save.setNotice({ ok: false, text: failureText(error) }),
  });

  return (
    <section className="panel" aria-labelledby="salt-title">
      <form onSubmit={save.submit}>
        <h2 id="salt-title">Salt connection</h2>
        <Field
          id="set-url"
          label="salt-api URL"
          type="url"
          value={form.url}
          onChange={(e) => setForm({ ...form, url: e.target.value })}
        />
        <Field
          id="set-username"
          label="Username"
          type="text"
          autoComplete="off"
          value={form.username}
          onChange={(e) => setForm({ ...form, username: e.target.value })}
        />
        <Field
          id="set-password"
          label="Password"
          type="password"
          autoComplete="new-password"
          placeholder={salt.password_set ? '•••••• (set)' : ''}
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
          hint={salt.password_set ? 'Leave blank to keep the saved password.' : 'No password is saved yet.'}
        />
        <EauthField id="set-eauth" value={form.eauth} onChange={(eauth) => setForm({ ...form, eauth })} />
        <CheckField
          id="set-verify"
          label="Verify TLS"
          checked={form.verify}
          onChange={(e) => setForm({ ...form, verify: e.target.checked })}
        />
        {result ? (
          <div className={result.ok ? 'success' : 'alert'} role="status">
            {describeTest(result)}
          </div>
        ) : null}
        <NoticeBox notice={save.notice} />
        <div className="actions">
          <button type="button" onClick={() => test.mutate()} disabled={test.isPending}>
            {test.isPending ? 'Testing…' : 'Test connection'}
          </button>
          <button type="submit" className="primary" disabled={save.pending}>
            Save Salt settings
          </button>
        </div>
      </form>
    </section>
  );
}

const POLLER_FIELDS: { key: keyof Pollers; label: string; hint: string }[] = [
  {
    key: 'minion_state_keys_interval_seconds',
    label: 'Keys every (s)',
    hint: 'wheel key.list_all; 0 turns it off',
  },
  {
    key: 'minion_state_presence_interval_seconds',
    label: 'Presence every (s)',
    hint: 'runner manage.present',
  },
  { key: 'minion_state_grains_interval_seconds', label: 'Grains every (s)', hint: 'runner cache.grains' },
  {
    key: 'minion_state_initial_delay_seconds',
    label: 'First pass after (s)',
    hint: 'after a start or reload',
  },
  { key: 'grains_chunk_size', label: 'Grains chunk size', hint: 'minions per cache.grains call' },
  {
    key: 'jobs_poll_interval_seconds',
    label: 'Jobs every (s)',
    hint: 'runner jobs.list_jobs; 0: the event stream feeds the job index',
  },
  { key: 'jobs_lookback_hours', label: 'Jobs look-back (h)', hint: 'how far the first jobs pass reaches' },
];

function PollersCard({ pollers }: { pollers: Pollers }) {
  const [form, setField] = useServerForm<Record<string, string>>(
    Object.fromEntries(POLLER_FIELDS.map(({ key }) => [key, String(pollers[key])])),
  );
  const saved = useSaveSettings();
  const save = useSettingsSave({
    save: () =>
      unwrap(
        api.PUT('/api/admin/settings/pollers', {
          body: Object.fromEntries(POLLER_FIELDS.map(({ key }) => [key, Number(form[key])])),
        }),
      ),
    onSaved: saved,
    success: 'Poller settings saved.',
  });
  return (
    <section className="panel" aria-labelledby="pollers-title">
      <form onSubmit={save.submit}>
        <h2 id="pollers-title">Pollers</h2>
        <div
          className="grid cols-2"
          style={{ gap: '0 12px', gridTemplateColumns: 'repeat(auto-fit, minmax(180px, 1fr))' }}
        >
          {POLLER_FIELDS.map(({ key, label, hint }) => (
            <Field
              key={key}
              id={`poller-${key}`}
              label={label}
              type="number"
              min={0}
              value={form[key] ?? ''}
              onChange={(e) => setField(key, e.target.value)}
              hint={hint}
            />
          ))}
        </div>
        <NoticeBox notice={save.notice} />
        <button type="submit" className="primary" disabled={save.pending}>
          Save poller settings
        </button>
      </form>
    </section>
  );
}

function EventStreamCard({ pollers }: { pollers: Pollers }) {
  const [form, setField] = useServerForm({
    enabled: pollers.event_stream_enabled,
    retention: String(pollers.event_stream_retention_days),
  });
  const { enabled, retention } = form;
  const saved = useSaveSettings();
  const save = useSettingsSave({
    save: () =>
      unwrap(
        api.PUT('/api/admin/settings/pollers', {
          body: { event_stream_enabled: enabled, event_stream_retention_days: Number(retention) },
        }),
      ),
    onSaved: saved,
    success: 'Event stream settings saved.',
  });
  return (
    <section className="panel" aria-labelledby="stream-title">
      <form onSubmit={save.submit}>
        <h2 id="stream-title">Event stream</h2>
        <p className="muted" style={{ marginTop: 0 }}>
          Follows salt-api's event bus into the activity feed and pushes it to every open console.
        </p>
        <CheckField
          id="stream-enabled"
          label="Follow the Salt event stream"
          checked={enabled}
          onChange={(e) => setField('enabled', e.target.checked)}
        />
        <Field
          id="stream-retention"
          label="Keep events (days)"
          style={{ maxWidth: 200 }}
          type="number"
          min={1}
          max={365}
          value={retention}
          onChange={(e) => setField('retention', e.target.value)}
        />
        <NoticeBox notice={save.notice} />
        <button type="submit" className="primary" disabled={save.pending}>
          Save event stream settings
        </button>
      </form>
    </section>
  );
}

function StatusCard() {
  const status = useQuery({
    queryKey: ['admin-status'],
    queryFn: async ({ signal }) => parseRuntimeStatus(await unwrap(api.GET('/api/admin/status', { signal }))),
    refetchInterval: 5_000,
  });
  const s = status.data;
  return (
    <section className="panel" aria-labelledby="status-title">
      <h2 id="status-title">Status</h2>
      {status.error ? <ErrorState error={status.error} what="see the status" /> : null}
      {s ? (
        <>
          <dl className="kv" style={{ marginBottom: 14 }}>
            <dt>salt-api</dt>
            <dd>
              <StatusBadge
                status={
                  s.salt.state === 'connected' ? 'ok' : s.salt.state === 'failed' ? 'failed' : 'pending'
                }
                label={s.salt.state}
              />{' '}
              {s.salt.url ? <span className="mono">{s.salt.url}</span> : null}
              {s.salt.detail ? <span className="muted"> · {s.salt.detail}</span> : null}
            </dd>
            <dt>Event stream</dt>
            <dd>
              {s.event_stream ? (
                <>
                  <StatusBadge
                    status={s.event_stream.state === 'connected' ? 'ok' : 'pending'}
                    label={s.event_stream.state}
                  />{' '}
                  {count(s.event_stream.received)} received, {count(s.event_stream.kept)} kept · last event{' '}
                  {timeAgo(s.event_stream.last_event_at)}
                  {s.event_stream.last_error ? (
                    <span className="muted"> · {s.event_stream.last_error}</span>
                  ) : null}
                </>
              ) : (
                <span className="muted">off</span>
              )}
            </dd>
          </dl>
          <div className="table-wrap">
            <table className="data middle">
              <thead>
                <tr>
                  <th>Poller</th>
                  <th>State</th>
                  <th>Last run</th>
                  <th className="num">Took</th>
                  <th>Next run</th>
                  <th className="num">Runs / failures</th>
                  <th>Last error</th>
                </tr>
              </thead>
              <tbody>
                {s.pollers.map((p) => (
                  <tr key={p.name}>
                    <td className="mono">{p.name}</td>
                    <td>
                      {!p.enabled ? (
                        <StatusBadge status="offline" label="off" />
                      ) : p.running ? (
                        <StatusBadge status="running" label="running" />
                      ) : (
                        <StatusBadge
                          status={p.last_outcome === 'error' ? 'failed' : 'ok'}
                          label={p.last_outcome ?? 'waiting'}
                        />
                      )}
                    </td>
                    <td title={dateTime(p.last_started_at)}>{timeAgo(p.last_started_at)}</td>
                    <td className="num">{duration(p.last_duration_ms)}</td>
                    <td>{p.next_run_at ? dateTime(p.next_run_at) : '—'}</td>
                    <td className="num">
                      {count(p.runs)} / {count(p.failures)}
                    </td>
                    <td className="cell-ellipsis" title={p.last_error ?? ''}>
                      {p.last_error ?? ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  );
}
