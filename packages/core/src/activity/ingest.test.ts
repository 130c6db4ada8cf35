import { describe, expect, it } from 'vitest';
import { minionChangesFromEvents } from './ingest.js';
import { normalizeSaltEvent } from './normalize.js';
import type { NormalizedEvent } from './schemas.js';

const norm = (tag: string, data: Record<string, unknown>): NormalizedEvent => {
  const r = normalizeSaltEvent({ tag, data: { _stamp: '2026-01-01T00:00:01.000000+00:00', ...data } });
  if (!r.kept) throw new Error(`dropped ${tag}`);
  return r.event;
};

describe('minionChangesFromEvents', () => {
  it('turns key and minion events into snapshot changes', () => {
    const events = [
      norm('salt/key', { act: 'accepted', id: 'known', result: true }),
      norm('salt/key', { act: 'rejected', id: 'new', result: true }),
      norm('salt/key', { act: 'delete', id: 'gone', result: true }),
      norm('salt/minion/known/start', { id: 'known' }),
      norm('salt/minion/stranger/start', { id: 'stranger' }),
    ];
    expect(minionChangesFromEvents(events, new Set(['known', 'gone']))).toEqual({
      insert: [{ minionId: 'new', keyStatus: 'rejected' }],
      update: [
        { minionId: 'known', keyStatus: 'accepted' },
        { minionId: 'known', isOnline: true, lastSeenAt: '2026-01-01T00:00:01.000Z' },
      ],
      delete: ['gone'],
    });
  });
});
