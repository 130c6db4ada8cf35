import { describe, expect, it } from 'vitest';
import { parseStateReturn, stateCounts } from './state-results';

const RETURN = {
  'pkg_|-nginx_|-nginx_|-installed': {
    __id__: 'nginx',
    name: 'nginx',
    result: true,
    comment: 'All specified packages are already installed',
    changes: {},
    duration: 12.5,
    __run_num__: 0,
  },
  'file_|-/etc/motd_|-/etc/motd_|-managed': {
    __id__: '/etc/motd',
    name: '/etc/motd',
    result: true,
    comment: 'File /etc/motd updated',
    changes: { diff: '+hello' },
    duration: 3,
    __run_num__: 1,
  },
  'service_|-nginx-running_|-nginx_|-running': {
    __id__: 'nginx-running',
    name: 'nginx',
    result: false,
    comment: ['Service nginx failed to start', 'see journal'],
    changes: {},
    duration: 110,
    __run_num__: 2,
  },
};

describe('parseStateReturn', () => {
  it('lists failures first, then states in execution order', () => {
    const rows = parseStateReturn(RETURN);
    expect(rows?.map((r) => r.id)).toEqual(['nginx-running', 'nginx', '/etc/motd']);
    expect(rows?.[0]).toMatchObject({
      fun: 'service.running',
      result: false,
      comment: 'Service nginx failed to start\nsee journal',
      durationMs: 110,
    });
    expect(rows?.[2]?.changed).toBe(true);
  });

  it('counts failed, changed and ok states', () => {
    expect(stateCounts(parseStateReturn(RETURN) ?? [])).toEqual({ failed: 1, changed: 1, ok: 1 });
  });

  it('refuses a return that is not a state run', () => {
    expect(parseStateReturn(['Rendering SLS failed'])).toBeNull();
    expect(parseStateReturn({ web: true })).toBeNull();
    expect(parseStateReturn('True')).toBeNull();
    expect(parseStateReturn({})).toBeNull();
  });
});
