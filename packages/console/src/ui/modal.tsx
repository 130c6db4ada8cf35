import { type ReactNode, useEffect, useRef } from 'react';

/** A modal dialog (native `<dialog>`: focus stays inside, Escape closes). */
export function Modal({
  open,
  title,
  onClose,
  children,
  titleId = 'modal-title',
  keepMounted = false,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** The heading's id, which labels the dialog. */
  titleId?: string;
  /** Keep the children in the page while closed (by default they mount only when it opens). */
  keepMounted?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {open || keepMounted ? children : null}
    </dialog>
  );
}
