import type { ReactNode } from 'react';
import { ApiError, errorMessage } from '../api/client';

/** The page's permission does not cover the user. */
export function Forbidden({ what }: { what: string }) {
  return (
    <div className="state" data-testid="state-forbidden" role="status">
      <strong>Not permitted</strong>
      Your role does not allow you to {what}. Ask an administrator for access.
    </div>
  );
}

/** Nothing to show. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state" data-testid="state-empty" role="status">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

/** Salt is not set up yet. */
export function Unconfigured({ canSetUp }: { canSetUp: boolean }) {
  return (
    <div className="state banner tone-warn" data-testid="state-unconfigured" role="status">
      <strong>Salt is not configured</strong>
      {canSetUp ? (
        <>
          Halite has no salt-api connection yet. <a href="/setup">Run the first-run setup</a>.
        </>
      ) : (
        'Halite has no salt-api connection yet, so lists stay empty and actions are unavailable. Ask an administrator to finish the setup.'
      )}
    </div>
  );
}

/** Salt is configured but cannot be reached. */
export function Unreachable({ detail }: { detail: string | null }) {
  return (
    <div className="state banner tone-bad" data-testid="state-unreachable" role="status">
      <strong>salt-api is unreachable</strong>
      Lists show what Halite stored last; actions fail until it is back.
      {detail ? <span className="muted"> ({detail})</span> : null}
    </div>
  );
}

/**
 * The error of a failed query or action, with the state each kind of failure deserves:
 * forbidden, Salt unconfigured or unreachable, or the message.
 */
export function ErrorState({ error, what = 'do this' }: { error: unknown; what?: string }) {
  if (error instanceof ApiError) {
    if (error.status === 403) return <Forbidden what={what} />;
    if (error.code === 'salt_unconfigured') return <Unconfigured canSetUp={false} />;
    if (error.code === 'salt_unavailable') return <Unreachable detail={error.message} />;
  }
  return (
    <div className="alert" role="alert">
      {errorMessage(error)}
    </div>
  );
}

/** A small spinner with a label for screen readers. */
export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spin" aria-hidden="true" /> <span>{label}…</span>
    </div>
  );
}
