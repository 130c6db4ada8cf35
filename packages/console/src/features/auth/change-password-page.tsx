import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { api, failureText, unwrap } from '../../api/client';
import { meQuery, useMe } from '../../auth/session';
import { Alert, Field } from '../../ui/field';
import { AuthCard } from './auth-card';

/** Minimum length the server enforces for a new password. */
const MIN_LENGTH = 8;

/** Change the signed-in user's password (forced after the first sign-in with a one-time one). */
export function ChangePasswordPage() {
  const me = useMe();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'Change password · Halite';
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (next !== confirm) return setError('The new passwords do not match.');
    if (next.length < MIN_LENGTH)
      return setError(`The new password needs at least ${MIN_LENGTH} characters.`);
    setBusy(true);
    setError(null);
    try {
      await unwrap(
        api.POST('/api/auth/change-password', { body: { current_password: current, new_password: next } }),
      );
      await queryClient.invalidateQueries({ queryKey: meQuery.queryKey });
      await navigate({ to: '/' });
    } catch (caught) {
      setError(failureText(caught));
      setBusy(false);
    }
  }

  return (
    <AuthCard
      title="Change password"
      lead={
        me.must_change_pw
          ? 'Your password was set for one use. Choose your own to continue.'
          : `Signed in as ${me.username}.`
      }
      onSubmit={submit}
    >
      {error ? <Alert>{error}</Alert> : null}
      <Field
        id="current-password"
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
      />
      <Field
        id="new-password"
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        minLength={MIN_LENGTH}
        value={next}
        onChange={(e) => setNext(e.target.value)}
        hint={<>At least {MIN_LENGTH} characters.</>}
      />
      <Field
        id="confirm-password"
        label="Confirm new password"
        type="password"
        autoComplete="new-password"
        required
        value={confirm}
        onChange={(e) => setConfirm(e.target.value)}
      />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Change password
        </button>
        {me.must_change_pw ? null : (
          <button type="button" onClick={() => navigate({ to: '/' })}>
            Cancel
          </button>
        )}
      </div>
    </AuthCard>
  );
}
