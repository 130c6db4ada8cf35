import type { FormEvent, ReactNode } from 'react';
import { Logo } from '../../shell/logo';

/**
 * The centred card of the pages outside the console (sign-in, password change, first-run setup):
 * the brand, the page's heading and lead line, then the form's own fields.
 */
export function AuthCard({
  title,
  lead,
  wide = false,
  onSubmit,
  children,
}: {
  title: string;
  lead: ReactNode;
  /** A wider card, for forms with longer inputs. */
  wide?: boolean;
  onSubmit: (event: FormEvent) => void;
  children: ReactNode;
}) {
  return (
    <div className="center-page">
      <form className={wide ? 'panel auth-card wide' : 'panel auth-card'} onSubmit={onSubmit}>
        <div className="brand">
          <Logo size={28} /> Halite
        </div>
        <h1>{title}</h1>
        <p className="lead">{lead}</p>
        {children}
      </form>
    </div>
  );
}
