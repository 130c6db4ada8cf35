import { useQueryClient } from '@tanstack/react-query';
import { getRouteApi, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api, errorMessage, unwrap } from '../../api/client';
import { meQuery } from '../../auth/session';
import { Alert, Field } from '../../ui/field';
import { AuthCard } from './auth-card';

const route = getRouteApi('/login');

/** Sign in with a Halite account. */
export function LoginPage() {
  const { next } = route.useSearch();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'Sign in · Halite';
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await unwrap(api.POST('/api/auth/login', { body: { username, password } }));
      queryClient.setQueryData(meQuery.queryKey, me);
      await navigate({ to: me.must_change_pw ? '/change-password' : (next ?? '/') });
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 401
          ? 'Wrong username or password.'
          : caught instanceof ApiError && caught.status === 429
            ? 'Too many attempts. Wait a minute and try again.'
            : errorMessage(caught),
      );
      setBusy(false);
    }
  }

  return (
    <AuthCard title="Sign in" lead="to your Salt fleet console" onSubmit={submit}>
      {error ? <Alert>{error}</Alert> : null}
      <Field
        id="username"
        label="Username"
        type="text"
        autoComplete="username"
        required
        value={username}
        onChange={(e) => setUsername(e.target.value)}
      />
      <Field
        id="password"
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <button type="submit" className="primary" disabled={busy} style={{ width: '100%' }}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </AuthCard>
  );
}
