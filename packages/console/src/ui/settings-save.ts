import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { failureText } from '../api/client';
import type { Notice } from './field';

/**
 * One settings form's save: the call, then the success note or the error (with its field-level
 * issues) as the form's {@link Notice}. `submit` is the form's `onSubmit`; it clears the previous
 * notice first. Form state stays with the caller (see `useServerForm` in `./server-form`).
 */
export function useSettingsSave<TData>({
  save,
  onSaved,
  success,
}: {
  /** The call that saves the form. */
  save: () => Promise<TData>;
  /** Runs first after a successful save, with what the call returned. */
  onSaved?: (data: TData) => void;
  /** The note shown after a successful save; none when omitted. */
  success?: string;
}) {
  const [notice, setNotice] = useState<Notice | null>(null);
  const mutation = useMutation({
    mutationFn: save,
    onSuccess: (data) => {
      onSaved?.(data);
      if (success) setNotice({ ok: true, text: success });
    },
    onError: (error) => setNotice({ ok: false, text: failureText(error) }),
  });
  return {
    notice,
    setNotice,
    pending: mutation.isPending,
    submit: (event: FormEvent) => {
      event.preventDefault();
      setNotice(null);
      mutation.mutate();
    },
  };
}
