import type { FormEvent, ReactNode } from 'react';
import { FormError } from './field';

/**
 * A form inside a `Modal`: the failed call's error on top, the fields, then Cancel and the
 * submit button at the end. `onSubmit` runs without the page reload.
 */
export function DialogForm({
  onSubmit,
  onCancel,
  submitLabel,
  busy,
  error,
  children,
}: {
  onSubmit: () => void;
  onCancel: () => void;
  submitLabel: string;
  /** Disables the submit button while the call runs. */
  busy: boolean;
  /** The last call's error, if any. */
  error: unknown;
  children: ReactNode;
}) {
  return (
    <form
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <FormError error={error} />
      {children}
      <div className="actions" style={{ justifyContent: 'flex-end' }}>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
