import { canSome } from '@halite/core/permissions';
import { useMutation, useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { api, errorMessage, inputIssues, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { useCan, useMe } from '../../auth/session';
import type { ActivityEvent } from '../../live/activity-event';
import { useLiveEvent } from '../../live/use-live-events';
import { PageHeader } from '../../ui/page';
import { ErrorState, Forbidden } from '../../ui/states';
import { StatusBadge } from '../../ui/status';
import { ResultBadge, ReturnValue } from '../jobs/minion-result';
import { FUNCTION_PATTERN, parseArgs, parseKwargs } from './run-input';

type RunBody = NonNullable<paths['/api/run']['post']['requestBody']>['content']['application/json'];
type TargetType = NonNullable<RunBody['tgt_type']>;
type Started = paths['/api/run']['post']['responses'][202]['content']['application/json'];

const TARGET_TYPES: readonly { value: TargetType; label: string }[] = [
  { value: 'glob', label: 'glob (web-*)' },
  { value: 'list', label: 'list (a,b,c)' },
  { value: 'pcre', label: 'pcre (regular expression)' },
  { value: 'grain', label: 'grain (os:Ubuntu)' },
  { value: 'grain_pcre', label: 'grain_pcre' },
  { value: 'pillar', label: 'pillar (role:web)' },
  { value: 'pillar_pcre', label: 'pillar_pcre' },
  { value: 'nodegroup', label: 'nodegroup' },
  { value: 'compound', label: 'compound (G@os:Debian and web*)' },
  { value: 'ipcidr', label: 'ipcidr (10.0.0.0/24)' },
  { value: 'range', label: 'range' },
];

/** Functions offered while Salt's own list is not available. */
const COMMON_FUNCTIONS = [
  'test.ping',
  'test.version',
  'cmd.run',
  'state.apply',
  'state.highstate',
  'state.sls',
  'grains.items',
  'grains.get',
  'pkg.list_pkgs',
  'pkg.install',
  'pkg.upgrade',
  'service.status',
  'service.restart',
  'saltutil.sync_all',
  'saltutil.refresh_pillar',
  'sys.doc',
  'disk.usage',
  'status.uptime',
  'network.interfaces',
];

/** Returns shown here; the job's page pages through the rest. */
const SHOWN_RESULTS = 200;

/** How long the page keeps polling a job for returns that the stream did not bring. */
const POLL_FOR_MS = 5 * 60_000;

/** Run an execution function on a target; results fill in as minions return. */
export function RunPage() {
  const prefill = getRouteApi('/signed-in/shell/run').useSearch();
  const may = useCan();
  const me = useMe();
  const [target, setTarget] = useState(prefill.target ?? '');
  const [targetType, setTargetType] = useState<TargetType>(
    TARGET_TYPES.some((t) => t.value === prefill.target_type) ? (prefill.target_type as TargetType) : 'glob',
  );
  const [fun, setFun] = useState(prefill.fun ?? '');
  const [args, setArgs] = useState('');
  const [kwargs, setKwargs] = useState('');
  const [formError, setFormError] = useState<string | null>(null);

  const functions = useQuery({
    queryKey: ['salt', 'functions'],
    queryFn: ({ signal }) => unwrap(api.GET('/api/salt/functions', { signal })),
    staleTime: 60 * 60_000,
    refetchInterval: false,
    retry: false,
  });
  const suggestions = functions.data?.functions.length ? functions.data.functions : COMMON_FUNCTIONS;

  const run = useMutation({
    mutationFn: (body: RunBody) => unwrap(api.POST('/api/run', { body })),
  });

  if (!canSome(me.permissions, 'execute', 'salt')) {
    return (
      <>
        <PageHeader title="Run" />
        <Forbidden what="run Salt commands" />
      </>
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const name = fun.trim();
    if (!FUNCTION_PATTERN.test(name)) return setFormError('Function: give module.function, e.g. test.ping');
    if (!may(`execute:salt:${name}`)) return setFormError(`Your role does not allow running ${name}.`);
    let kwarg: Record<string, unknown>;
    try {
      kwarg = parseKwargs(kwargs);
    } catch (error) {
      return setFormError(errorMessage(error));
    }
    run.mutate({ tgt: target.trim(), tgt_type: targetType, fun: name, arg: parseArgs(args), kwarg });
  }

  return (
    <>
      <PageHeader title="Run" sub="Execution functions, dispatched asynchronously (local_async)" />
      <form className="panel" onSubmit={submit} style={{ marginBottom: 14 }}>
        <div className="grid cols-2" style={{ gap: '0 14px' }}>
          <div className="field">
            <label htmlFor="run-target">Target</label>
            <input
              id="run-target"
              type="text"
              required
              placeholder="*"
              value={target}
              onChange={(e) => setTarget(e.target.value)}
              className="mono"
            />
          </div>
          <div className="field">
            <label htmlFor="run-target-type">Target type</label>
            <select
              id="run-target-type"
              value={targetType}
              onChange={(e) => setTargetType(e.target.value as TargetType)}
            >
              {TARGET_TYPES.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="run-function">Function</label>
            <input
              id="run-function"
              type="text"
              required
              list="run-functions"
              autoComplete="off"
              spellCheck={false}
              placeholder="test.ping"
              value={fun}
              onChange={(e) => setFun(e.target.value)}
              className="mono"
            />
            <datalist id="run-functions">
              {suggestions.map((name) => (
                <option key={name} value={name} />
              ))}
            </datalist>
            <span className="hint">
              {functions.data?.functions.length
                ? `${functions.data.functions.length} functions from ${functions.data.minion}`
                : 'Common functions (Salt’s full list appears once a minion is online)'}
            </span>
          </div>
          <div className="field">
            <label htmlFor="run-args">Arguments</label>
            <textarea
              id="run-args"
              rows={2}
              placeholder={'uptime   (one line: split on spaces; several lines: one argument per line)'}
              value={args}
              onChange={(e) => setArgs(e.target.value)}
            />
            <span className="hint">
              One line is split on spaces ("quotes" keep spaces together); several lines give one argument
              each.
            </span>
          </div>
          <div className="field" style={{ gridColumn: '1 / -1' }}>
            <label htmlFor="run-kwargs">Keyword arguments</label>
            <textarea
              id="run-kwargs"
              rows={2}
              placeholder='{"test": true}'
              value={kwargs}
              onChange={(e) => setKwargs(e.target.value)}
            />
            <span className="hint">A JSON object, e.g. {'{"test": true, "pillar": {"role": "web"}}'}</span>
          </div>
        </div>
        {formError ? (
          <div className="alert" role="alert">
            {formError}
          </div>
        ) : null}
        {run.error ? <ErrorState error={run.error} what="run this function" /> : null}
        {inputIssues(run.error).length ? (
          <ul className="alert">
            {inputIssues(run.error).map((issue) => (
              <li key={issue}>{issue}</li>
            ))}
          </ul>
        ) : null}
        <div className="actions">
          <button type="submit" className="primary" disabled={run.isPending}>
            {run.isPending ? 'Dispatching…' : 'Run'}
          </button>
        </div>
      </form>
      {run.data ? <RunResults key={run.data.jid} started={run.data} fun={run.variables?.fun ?? ''} /> : null}
    </>
  );
}

interface LiveReturn {
  success: boolean | null;
}

/** The dispatched job: its jid and one entry per minion as it returns. */
function RunResults({ started, fun }: { started: Started; fun: string }) {
  // Returns from the stream, kept in a ref (a fleet-wide job brings thousands) and shown at
  // most once per animation frame.
  const streamedRef = useRef(new Map<string, LiveReturn>());
  const [, setVersion] = useState(0);
  const frame = useRef<number | null>(null);
  const [startedAt] = useState(() => Date.now());
  const onEvent = useCallback(
    (event: ActivityEvent) => {
      if (event.event_type !== 'job.ret' || event.jid !== started.jid || !event.minion_id) return;
      streamedRef.current.set(event.minion_id, { success: event.success });
      if (frame.current === null) {
        frame.current = requestAnimationFrame(() => {
          frame.current = null;
          setVersion((v) => v + 1);
        });
      }
    },
    [started.jid],
  );
  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );
  const streamed = streamedRef.current;
  useLiveEvent(onEvent);

  const expected = started.minions.length;
  const detail = useQuery({
    queryKey: ['jobs', 'detail', started.jid, 'run'],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/jobs/{jid}', {
          params: { path: { jid: started.jid }, query: { limit: 500, offset: 0 } },
          signal,
        }),
      ),
    refetchInterval: (query) => {
      const returned = query.state.data?.results.length ?? 0;
      if (returned >= expected || Date.now() - startedAt > POLL_FOR_MS) return false;
      return 2_000;
    },
    retry: 3,
  });
  // A return seen on the stream before the job shows it: fetch again soon.
  const behind =
    streamed.size > (detail.data?.results.length ?? 0) && (detail.data?.results.length ?? 0) < 500;
  const { refetch } = detail;
  useEffect(() => {
    if (!behind) return;
    const timer = setTimeout(() => void refetch(), 500);
    return () => clearTimeout(timer);
  }, [behind, refetch]);

  const results = new Map((detail.data?.results ?? []).map((r) => [r.minion, r]));
  const returned = new Set([...results.keys(), ...streamed.keys()]);
  const waiting = started.minions.filter((m) => !returned.has(m));

  return (
    <section className="panel" aria-labelledby="run-results">
      <h2 id="run-results">
        Job{' '}
        <Link to="/jobs/$jid" params={{ jid: started.jid }} className="mono" data-testid="run-jid">
          {started.jid}
        </Link>
      </h2>
      <p className="muted" aria-live="polite">
        <span className="mono">{fun}</span> · {returned.size} of {expected} minions returned
        {waiting.length > 0 ? (
          <>
            {' '}
            · waiting for {waiting.slice(0, 8).join(', ')}
            {waiting.length > 8 ? ` and ${waiting.length - 8} more` : ''}
          </>
        ) : null}
      </p>
      {expected === 0 ? <p className="muted">Salt matched no minion.</p> : null}
      {[...returned]
        .sort()
        .slice(0, SHOWN_RESULTS)
        .map((minion) => {
          const result = results.get(minion);
          const live = streamed.get(minion);
          return (
            <article key={minion} className="result-card" data-testid="run-result" data-minion-id={minion}>
              <header>
                <strong className="mono">{minion}</strong>
                {result ? (
                  <ResultBadge success={result.success} retcode={result.retcode} />
                ) : (
                  <StatusBadge
                    status={live?.success === false ? 'failed' : 'ok'}
                    label={live?.success === false ? 'failed' : 'returned'}
                  />
                )}
              </header>
              <div className="body">
                {result ? (
                  <ReturnValue value={result.return_value} />
                ) : (
                  <span className="muted">Loading the return…</span>
                )}
              </div>
            </article>
          );
        })}
      {returned.size > SHOWN_RESULTS ? (
        <p className="muted">
          Showing {SHOWN_RESULTS} of {returned.size} returns;{' '}
          <Link to="/jobs/$jid" params={{ jid: started.jid }}>
            the job's page
          </Link>{' '}
          pages through all of them.
        </p>
      ) : null}
    </section>
  );
}
