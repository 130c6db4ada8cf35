import { createContext, useContext, useEffect, useState } from 'react';
import type { ActivityEvent } from './activity-event';
import type { LiveEvents, StreamState } from './event-stream';

/** The app's {@link LiveEvents}, or null while the user may see no activity category. */
export const LiveEventsContext = createContext<LiveEvents | null>(null);

/** Calls `listener` with each live event while the component is mounted. */
export function useLiveEvent(listener: (event: ActivityEvent) => void): void {
  const live = useContext(LiveEventsContext);
  useEffect(() => live?.subscribe(listener), [live, listener]);
}

/** The live connection's state (`unavailable` when there is none). */
export function useStreamState(): StreamState {
  const live = useContext(LiveEventsContext);
  const [state, setState] = useState<StreamState>(live?.state ?? 'unavailable');
  useEffect(() => {
    if (!live) return;
    setState(live.state);
    return live.onState(setState);
  }, [live]);
  return live ? state : 'unavailable';
}
