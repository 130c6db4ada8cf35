import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useDeferredValue, useState } from 'react';
import { api, errorMessage, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { useCan } from '../../auth/session';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { type Notice, NoticeBox } from '../../ui/field';
import { count, timeAgo } from '../../ui/format';
import { PageHeader } from '../../ui/page';
import { Empty, ErrorState, Forbidden } from '../../ui/states';
import { StatusBadge } from '../../ui/status';

type KeyList = paths['/api/keys']['get']['responses'][200]['content']['application/json'];
type KeyState = KeyList['keys'][number]['status'];
type KeyAction = 'accept' | 'reject' | 'delete';

/** Pending first: those are the ones waiting for a decision. */
const STATES: readonly { state: KeyState; title: string; hint: string }[] = [
  { state: 'pending', title: 'Pending', hint: 'Waiting for a decision.' },
  { state: 'accepted', title: 'Accepted', hint: 'Minions the master talks to.' },
  { state: 'rejected', title: 'Rejected', hint: 'Refused; the minion cannot connect.' },
  { state: 'denied', title: 'Denied', hint: 'A second key for an id that already has one (or auto_reject).' },
];

/** Which actions make sense from each state. */
const ACTIONS: Record<KeyState, KeyAction[]> = {
  pending: ['accept', 'reject', 'delete'],
  accepted: ['reject', 'delete'],
  rejected: ['accept', 'delete'],
  denied: ['accept', 'reject', 'delete'],
};

const LABEL: Record<KeyAction, string> = { accept: 'Accept', reject: 'Reject', delete: 'Delete' };
const DONE: Record<KeyAction, string> = { accept: 'Accepted', reject: 'Rejected', delete: 'Deleted' };
const PAGE = 100;

/** Minion keys by state, pending first, with accept, reject and delete behind a confirmation. */
export function KeysPage() {
  const may = useCan();
  const allowed = may('view:key:*');
  const [search, setSearch] = useState('');
  const deferred = useDeferredValue(search.trim());
  const [pendingAction, setPendingAction] = useState<{ action: KeyAction; id: string } | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const queryClient = useQueryClient();

  const act = useMutation({
    mutationFn: ({ action, id }: { action: KeyAction; id: string }) => {
      const path = { params: { path: { key_id: id } } };
      return unwrap(
        action === 'accept'
          ? api.POST('/api/keys/{key_id}/accept', path)
          : action === 'reject'
            ? api.POST('/api/keys/{key_id}/reject', path)
            : api.DELETE('/api/keys/{key_id}', path),
      );
    },
    onSuccess: (_data, { action, id }) => {
      setNotice({ ok: true, text: `${DONE[action]} the key of ${id}.` });
    },
    onError: (error, { action, id }) =>
      setNotice({ ok: false, text: `${LABEL[action]} ${id}: ${errorMessage(error)}` }),
    onSettled: () => {
      setPendingAction(null);
      void queryClient.invalidateQueries({ queryKey: ['keys'] });
      void queryClient.invalidateQueries({ queryKey: ['minions'] });
    },
  });

  if (!allowed) {
    return (
      <>
        <PageHeader title="Keys" />
        <Forbidden what="view keys" />
      </>
    );
  }

  return (
    <>
      <PageHeader title="Keys" />
      <div className="toolbar">
        <div className="field">
          <label htmlFor="key-search">Search keys</label>
          <input
            id="key-search"
            type="search"
            placeholder="minion id"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
      </div>
      <NoticeBox notice={notice} />
      {STATES.map(({ state, title, hint }) => (
        <KeyGroup
          key={state}
          state={state}
          title={title}
          hint={hint}
          search={deferred}
          actions={ACTIONS[state].filter((action) => may(`${action}:key:*`))}
          onAction={(action, id) => setPendingAction({ action, id })}
        />
      ))}
      <ConfirmDialog
        open={pendingAction !== null}
        title={pendingAction ? `${LABEL[pendingAction.action]} the key of ${pendingAction.id}?` : ''}
        destructive={pendingAction?.action !== 'accept'}
        busy={act.isPending}
        onCancel={() => setPendingAction(null)}
        onConfirm={() => pendingAction && act.mutate(pendingAction)}
      >
        {pendingAction?.action === 'accept' ? (
          <p>The minion will be able to receive commands from this master.</p>
        ) : pendingAction?.action === 'reject' ? (
          <p>The minion will no longer be able to connect until its key is accepted again.</p>
        ) : (
          <p>
            The key is removed from the master. This cannot be undone; a running minion will send its key
            again and show up as pending (or accepted, with auto-accept).
          </p>
        )}
      </ConfirmDialog>
    </>
  );
}

function KeyGroup({
  state,
  title,
  hint,
  search,
  actions,
  onAction,
}: {
  state: KeyState;
  title: string;
  hint: string;
  search: string;
  actions: KeyAction[];
  onAction: (action: KeyAction, id: string) => void;
}) {
  const keys = useInfiniteQuery({
    queryKey: ['keys', 'list', state, search],
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET('/api/keys', {
          params: {
            query: { status: [state], limit: PAGE, offset: pageParam, ...(search ? { search } : {}) },
          },
          signal,
        }),
      ),
    initialPageParam: 0,
    getNextPageParam: (last, all) => {
      const loaded = all.reduce((n, page) => n + page.keys.length, 0);
      return loaded < last.total ? loaded : undefined;
    },
  });
  const rows = keys.data?.pages.flatMap((page) => page.keys) ?? [];
  const total = keys.data?.pages[0]?.total ?? 0;
  if (keys.error) return <ErrorState error={keys.error} what="view keys" />;
  if (state !== 'pending' && state !== 'accepted' && total === 0) return null;
  return (
    <section className="panel" aria-labelledby={`keys-${state}`} style={{ marginBottom: 14 }}>
      <h2 id={`keys-${state}`}>
        <StatusBadge status={state} label={title} /> <span className="muted">{count(total)}</span>
      </h2>
      {keys.data && total === 0 ? (
        state === 'pending' ? (
          <p className="muted">
            No key is waiting.{' '}
            {keys.data.pages[0]?.refreshed_at ? `Checked ${timeAgo(keys.data.pages[0].refreshed_at)}.` : ''}
          </p>
        ) : (
          <Empty title="No accepted keys">{hint}</Empty>
        )
      ) : (
        <>
          <p className="muted" style={{ marginTop: -4 }}>
            {hint}
          </p>
          <table className="data middle">
            <tbody>
              {rows.map((key) => (
                <tr key={key.id} data-testid="key-row" data-key-id={key.id} data-state={key.status}>
                  <td className="mono">
                    {key.status === 'accepted' ? (
                      <Link to="/minions/$minionId" params={{ minionId: key.id }}>
                        {key.id}
                      </Link>
                    ) : (
                      key.id
                    )}
                  </td>
                  <td style={{ width: 1 }}>
                    <div className="actions" style={{ flexWrap: 'nowrap' }}>
                      {actions.map((action) => (
                        <button
                          key={action}
                          type="button"
                          className={`small ${action === 'accept' ? 'primary' : action === 'delete' ? 'danger' : ''}`}
                          title={`${LABEL[action]} the key of ${key.id}`}
                          onClick={() => onAction(action, key.id)}
                        >
                          {LABEL[action]}
                        </button>
                      ))}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {keys.hasNextPage ? (
            <div className="pager">
              {count(rows.length)} of {count(total)}
              <button type="button" onClick={() => keys.fetchNextPage()} disabled={keys.isFetchingNextPage}>
                Show more
              </button>
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}
