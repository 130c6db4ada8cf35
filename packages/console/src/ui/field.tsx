/** An outcome to show the user: `ok` is a success note, otherwise an error. */
export type Notice = { ok: boolean; text: string };

/**
 * A notice after an action: a success is announced politely (`role="status"`), an error at once
 * (`role="alert"`). Renders nothing without a notice.
 */
export function NoticeBox({ notice }: { notice: Notice | null }) {
  if (!notice) return null;
  return (
    <div className={notice.ok ? 'success' : 'alert'} role={notice.ok ? 'status' : 'alert'}>
      {notice.text}
    </div>
  );
}
