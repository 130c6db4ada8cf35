import type { CSSProperties, InputHTMLAttributes, ReactNode } from 'react';
import { failureText } from '../api/client';

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

/** An error announced at once (`role="alert"`). */
export function Alert({ children }: { children: ReactNode }) {
  return (
    <div className="alert" role="alert">
      {children}
    </div>
  );
}

/** A failed call's message and field-level issues as an {@link Alert}; nothing without an error. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  return <Alert>{failureText(error)}</Alert>;
}

/** What {@link Field} and {@link CheckField} take besides the input's own attributes. */
type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'style'> & {
  /** The input's id, which the label points at. */
  id: string;
  /** The label text. */
  label: ReactNode;
  /** A note under the input. */
  hint?: ReactNode;
  /** Style of the field's box (not of the input). */
  style?: CSSProperties;
};

/**
 * A labelled input in the form's `.field` box, with an optional hint under it. Other props go to
 * the `<input>`; `children` follow it (a `<datalist>`, say).
 */
export function Field({ id, label, hint, style, children, ...input }: FieldProps & { children?: ReactNode }) {
  return (
    <div className="field" style={style}>
      <label htmlFor={id}>{label}</label>
      <input id={id} {...input} />
      {children}
      {hint ? <span className="hint">{hint}</span> : null}
    </div>
  );
}

/** A checkbox inside its label, in the form's `.field` box, with an optional hint under it. */
export function CheckField({ id, label, hint, style, ...input }: Omit<FieldProps, 'type'>) {
  return (
    <div className="field" style={style}>
      <label className="check" htmlFor={id}>
        <input id={id} type="checkbox" {...input} />
        {label}
      </label>
      {hint ? <span className="hint">{hint}</span> : null}
    </div>
  );
}
