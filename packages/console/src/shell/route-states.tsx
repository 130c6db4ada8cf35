import { Link } from '@tanstack/react-router';
import { errorMessage } from '../api/client';

/** A path no route serves. */
export function NotFound() {
  return (
    <div className="center-page">
      <div className="state">
        <h1>Not found</h1>
        <p>There is no page at this address.</p>
        <Link to="/">Go to the overview</Link>
      </div>
    </div>
  );
}

/** A route that failed to load (a lazy chunk that did not arrive, a guard that threw). */
export function RouteError({ error, reset }: { error: unknown; reset: () => void }) {
  return (
    <div className="center-page">
      <div className="state">
        <h1>Something went wrong</h1>
        <p role="alert">{errorMessage(error)}</p>
        <button type="button" onClick={reset}>
          Try again
        </button>
      </div>
    </div>
  );
}
