import { type ReactNode, useEffect } from 'react';

/** A page's header: its one h1 (the page name, also the document title) and its tools. */
export function PageHeader({
  title,
  sub,
  children,
}: {
  title: string;
  sub?: ReactNode;
  children?: ReactNode;
}) {
  useEffect(() => {
    document.title = `${title} · Halite`;
  }, [title]);
  return (
    <div className="page-head">
      <h1>{title}</h1>
      {sub ? <span className="sub">{sub}</span> : null}
      <span className="spacer" />
      {children}
    </div>
  );
}
