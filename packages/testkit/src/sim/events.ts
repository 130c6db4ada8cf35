/**
 * Background traffic of a master's event bus, as `/events` carries it: jobs published to a few
 * minions and their returns (state runs with state results), the `/publish` echo, runner noise,
 * pending minions re-authenticating, minion starts and presence changes. Deterministic for a seed.
 */
import { prng } from './grains.js';

/** One event of the bus: `{tag, data}` as `/events` sends it. */
export interface SimEvent {
  /** Event tag, e.g. `salt/job/<jid>/ret/<id>`. */
  tag: string;
  /** Event data; `_stamp` included. */
  data: Record<string, unknown>;
}

/** `_stamp` as Salt 3008.5 writes it: UTC with microseconds and an explicit offset. */
export function saltStamp(ms: number, micro = 0): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micro).padStart(3, '0')}+00:00`;
}

const JOB_KINDS = [
  { fun: 'state.apply', arg: ['nginx'] },
  { fun: 'test.ping', arg: [] },
  { fun: 'cmd.run', arg: ['uptime'] },
  { fun: 'pkg.upgrade', arg: [] },
  { fun: 'saltutil.sync_all', arg: [] },
] as const;

function stateReturn(ok: boolean): Record<string, unknown> {
  return {
    'file_|-motd_|-/etc/motd_|-managed': {
      name: '/etc/motd',
      changes: {},
      result: true,
      comment: 'File /etc/motd is in the correct state',
      __sls__: 'motd',
      __run_num__: 0,
      start_time: '10:11:12.345678',
      duration: 3.21,
      __id__: 'motd',
    },
    'pkg_|-nginx_|-nginx_|-installed': {
      name: 'nginx',
      changes: ok ? {} : { nginx: { old: '', new: '1.24.0-2' } },
      result: ok,
      comment: ok
        ? 'All specified packages are already installed'
        : 'Problem encountered installing package(s)',
      __sls__: 'nginx',
      __run_num__: 1,
      start_time: '10:11:12.349012',
      duration: 120.5,
      __id__: 'nginx',
    },
    'service_|-nginx_|-nginx_|-running': {
      name: 'nginx',
      changes: {},
      result: ok,
      comment: 'The service nginx is already running',
      __sls__: 'nginx',
      __run_num__: 2,
      start_time: '10:11:12.470000',
      duration: 41.3,
      __id__: 'nginx',
    },
  };
}

/**
 * An endless, deterministic stream of bus events over the given minions (`present` for jobs and
 * starts, `pending` for auth retries). `jid` mints job ids.
 */
export function* busTraffic(options: {
  seed: number;
  present: () => readonly string[];
  pending: () => readonly string[];
  jid: () => string;
  now?: () => number;
}): Generator<SimEvent, never, undefined> {
  const rand = prng(options.seed);
  const now = options.now ?? Date.now;
  let micro = 0;
  const stamp = () => {
    micro = (micro + 1) % 1000;
    return saltStamp(now(), micro);
  };
  for (;;) {
    const present = options.present();
    const roll = rand();
    if (roll < 0.8 && present.length > 0) {
      // A job to 1–10 minions and its returns.
      const kind = JOB_KINDS[Math.floor(rand() * JOB_KINDS.length)]!;
      const jid = options.jid();
      const count = 1 + Math.floor(rand() * 10);
      const start = Math.floor(rand() * present.length);
      const minions = Array.from({ length: Math.min(count, present.length) }, (_, k) => {
        return present[(start + k) % present.length]!;
      });
      const tgt = minions.length === 1 ? minions[0]! : minions;
      const tgtType = minions.length === 1 ? 'glob' : 'list';
      yield {
        tag: `salt/job/${jid}/new`,
        data: {
          jid,
          tgt_type: tgtType,
          tgt,
          user: 'ops',
          fun: kind.fun,
          arg: kind.arg,
          minions,
          missing: [],
          _stamp: stamp(),
        },
      };
      yield {
        tag: `salt/job/${jid}/publish`,
        data: {
          fun: kind.fun,
          arg: kind.arg,
          tgt,
          jid,
          ret: '',
          tgt_type: tgtType,
          user: 'ops',
          _stamp: stamp(),
        },
      };
      for (const id of minions) {
        const ok = rand() > 0.05;
        const ret =
          kind.fun === 'state.apply'
            ? stateReturn(ok)
            : kind.fun === 'test.ping'
              ? true
              : kind.fun === 'cmd.run'
                ? ' 10:11:12 up 41 days,  3:02,  0 users,  load average: 0.08, 0.03, 0.01'
                : {};
        yield {
          tag: `salt/job/${jid}/ret/${id}`,
          data: {
            cmd: '_return',
            id,
            success: ok,
            return: ret,
            retcode: ok ? 0 : 2,
            jid,
            fun: kind.fun,
            fun_args: kind.arg,
            user: 'ops',
            ...(kind.fun === 'state.apply' ? { out: 'highstate' } : {}),
            _stamp: stamp(),
            ts: Math.floor(now() / 1000),
          },
        };
      }
    } else if (roll < 0.9) {
      const jid = options.jid();
      yield {
        tag: `salt/run/${jid}/new`,
        data: { fun: 'runner.manage.present', jid, user: 'halite', fun_args: [], _stamp: stamp() },
      };
      yield {
        tag: `salt/run/${jid}/ret`,
        data: {
          fun: 'runner.manage.present',
          jid,
          user: 'halite',
          fun_args: [],
          _stamp: stamp(),
          return: present.slice(0, 3),
          success: true,
        },
      };
    } else if (roll < 0.95 && options.pending().length > 0) {
      const pending = options.pending();
      const id = pending[Math.floor(rand() * pending.length)]!;
      yield {
        tag: 'salt/auth',
        data: {
          result: true,
          act: 'pend',
          id,
          pub: '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAon4ZRI3c5TjIijvuITmX\n-----END PUBLIC KEY-----',
          _stamp: stamp(),
        },
      };
    } else if (present.length > 0) {
      const id = present[Math.floor(rand() * present.length)]!;
      const when = new Date(now()).toUTCString();
      const ts = Math.floor(now() / 1000);
      for (const tag of [`salt/minion/${id}/start`, 'minion_start']) {
        yield {
          tag,
          data: {
            id,
            cmd: '_minion_event',
            pretag: null,
            data: `Minion ${id} started at ${when}`,
            tag,
            ts,
            _stamp: stamp(),
          },
        };
      }
      yield { tag: 'salt/presence/change', data: { new: [id], lost: [], _stamp: stamp() } };
    } else {
      yield { tag: 'salt/presence/change', data: { new: [], lost: [], _stamp: stamp() } };
    }
  }
}
