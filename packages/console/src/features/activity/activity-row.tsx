import { Link } from '@tanstack/react-router';
import { memo } from 'react';
import type { ActivityEvent } from '../../live/activity-event';
import { dateTime, duration, timeOfDay } from '../../ui/format';
import { StatusBadge } from '../../ui/status';
import { outcomeOf } from './activity-filter';

const CATEGORY_TONE: Record<ActivityEvent['category'], string> = {
  job: 'tone-info',
  key: 'tone-warn',
  minion: 'tone-ok',
};

/**
 * One event of the feed: time, type, summary, outcome and who/what. Memoized: a busy stream
 * prepends rows many times a second and the rows below stay as they are.
 */
export const ActivityRow = memo(function ActivityRow({ event }: { event: ActivityEvent }) {
  const outcome = outcomeOf(event);
  return (
    <div className="feed-row" data-testid="activity-row" data-type={event.event_type} data-id={event.id}>
      <span className="when" title={dateTime(event.ts)}>
        {timeOfDay(event.ts)}
      </span>
      <span>
        <span className={`badge plain ${CATEGORY_TONE[event.category]}`}>{event.event_type}</span>
      </span>
      <span style={{ minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
        {event.jid ? (
          <Link to="/jobs/$jid" params={{ jid: event.jid }}>
            {event.summary}
          </Link>
        ) : event.minion_id && event.category === 'minion' ? (
          <Link to="/minions/$minionId" params={{ minionId: event.minion_id }}>
            {event.summary}
          </Link>
        ) : (
          event.summary
        )}
        {event.initiator ? <span className="muted extra"> · by {event.initiator}</span> : null}
        {event.target && event.event_type === 'job.new' ? (
          <span className="muted extra"> → {event.target}</span>
        ) : null}
      </span>
      <span className="extra actions" style={{ justifyContent: 'flex-end' }}>
        {event.duration_ms !== null ? <span className="muted">{duration(event.duration_ms)}</span> : null}
        {outcome ? (
          <StatusBadge status={outcome} label={outcome === 'changes' ? 'changes' : outcome} />
        ) : null}
      </span>
    </div>
  );
});
