import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { api, failureText, unwrap } from '../../api/client';
import { useCan } from '../../auth/session';
import { CheckField, Field, NoticeBox } from '../../ui/field';
import { useSettingsSave } from '../../ui/settings-save';
import { Forbidden } from '../../ui/states';
import { AuthCard } from '../auth/auth-card';
import { EauthField } from '../settings/eauth-field';
import { describeTest, type SaltConnectionInput, type SaltTestResult } from '../settings/salt-connection';

/**
 * First-run setup: the salt-api connection. Save is enabled only once a test of exactly the
 * values in the form has succeeded.
 */
export function SetupPage() {
  const allowed = useCan()('edit:settings:*');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [form, setForm] = useState<SaltConnectionInput>({
    url: '',
    username: '',
    password: '',
    eauth: 'pam',
    verify: true,
  });
  const [tested, setTested] = useState<{ values: string; result: SaltTestResult } | null>(null);
  const [testing, setTesting] = useState(false);
  useEffect(() => {
    document.title = 'First-run setup · Halite';
  }, []);

  const fingerprint = JSON.stringify(form);
  const testPassed = tested?.values === fingerprint && tested.result.ok;
  const set = <K extends keyof SaltConnectionInput>(key: K, value: SaltConnectionInput[K]) =>
    setForm((previous) => ({ ...previous, [key]: value }));
  // No success note: a successful save leaves the page.
  const save = useSettingsSave({
    save: async () => {
      await unwrap(api.PUT('/api/admin/settings/salt', { body: form }));
      // Everything read so far was read without Salt; the guard re-reads the setup status.
      await queryClient.invalidateQueries();
      await navigate({ to: '/' });
    },
  });
  const busy = testing || save.pending;

  async function test() {
    setTesting(true);
    save.setNotice(null);
    try {
      const result = await unwrap(api.POST('/api/admin/settings/test-salt', { body: form }));
      setTested({ values: fingerprint, result });
    } catch (caught) {
      setTested(null);
      save.setNotice({ ok: false, text: failureText(caught) });
    } finally {
      setTesting(false);
    }
  }

  if (!allowed) {
    return (
      <div className="center-page">
        <div className="auth-card">
          <h1>First-run setup</h1>
          <Forbidden what="configure the salt-api connection" />
        </div>
      </div>
    );
  }

  return (
    <AuthCard
      title="First-run setup"
      lead="Connect Halite to your salt-api (rest_cherrypy)."
      wide
      onSubmit={(event: FormEvent) => (testPassed ? save.submit(event) : event.preventDefault())}
    >
      <NoticeBox notice={save.notice} />
      <Field
        id="salt-url"
        label="salt-api URL"
        type="url"
        required
        placeholder="https://salt-master:8000"
        value={form.url}
        onChange={(e) => set('url', e.target.value)}
      />
      <Field
        id="salt-username"
        label="Username"
        type="text"
        autoComplete="off"
        required
        value={form.username}
        onChange={(e) => set('username', e.target.value)}
      />
      <Field
        id="salt-password"
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        value={form.password}
        onChange={(e) => set('password', e.target.value)}
        hint="Stored encrypted; never shown again."
      />
      <EauthField id="salt-eauth" value={form.eauth} onChange={(eauth) => set('eauth', eauth)} />
      <CheckField
        id="salt-verify"
        label="Verify TLS"
        checked={form.verify ?? true}
        onChange={(e) => set('verify', e.target.checked)}
        hint="Turn off only for self-signed certificates in a lab."
      />
      {tested && tested.values === fingerprint ? (
        <div className={tested.result.ok ? 'success' : 'alert'} role="status">
          {describeTest(tested.result)}
        </div>
      ) : null}
      <div className="actions">
        <button type="button" onClick={test} disabled={busy || !form.url || !form.username || !form.password}>
          {testing ? 'Testing…' : 'Test connection'}
        </button>
        <button type="submit" className="primary" disabled={!testPassed || busy}>
          Save &amp; continue
        </button>
      </div>
    </AuthCard>
  );
}
