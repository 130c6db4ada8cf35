import { describe, expect, it } from 'vitest';
import {
  type LabConfigSpec,
  labLayout,
  renderLabFiles,
  renderMasterConfig,
  renderMinionConfig,
  toYaml,
  validateLabSpec,
} from './config.js';

const spec: LabConfigSpec = {
  root: '/tmp/hl-abc123',
  masterId: 'halite-lab',
  minions: ['m1', 'm2'],
  pending: ['p1'],
  publishPort: 40001,
  retPort: 40002,
  apiPort: 40003,
  tokenExpire: 5,
  transport: 'zeromq',
  user: 'root',
  users: [
    { username: 'halite', password: 'secret', perms: ['.*', '@wheel', '@runner', '@jobs'] },
    { username: 'viewer', password: 'viewer', perms: ['test.*', { '@runner': ['jobs.*'] }] },
  ],
};

describe('toYaml', () => {
  it('writes nested mappings in block style and quotes every string', () => {
    expect(toYaml({ a: 1, b: { c: 'x', d: true }, e: [], f: {} })).toBe(
      'a: 1\nb:\n  c: "x"\n  d: true\ne: []\nf: {}\n',
    );
  });

  it('quotes keys YAML would misread and writes collections inside lists as flow JSON', () => {
    expect(toYaml({ '^filename': '/x', acl: ['.*', { '@runner': ['jobs.*'] }] })).toBe(
      '"^filename": "/x"\nacl:\n  - ".*"\n  - {"@runner":["jobs.*"]}\n',
    );
  });
});

describe('renderMasterConfig', () => {
  const master = renderMasterConfig(spec);

  it('binds the master and rest_cherrypy to loopback on the given ports, without TLS', () => {
    expect(master).toContain('interface: "127.0.0.1"\n');
    expect(master).toContain('publish_port: 40001\nret_port: 40002\n');
    expect(master).toContain('rest_cherrypy:\n  port: 40003\n  host: "127.0.0.1"\n  disable_ssl: true\n');
  });

  it('enables every netapi client the SDK uses', () => {
    expect(master).toContain(
      'netapi_enable_clients:\n  - "local"\n  - "local_async"\n  - "local_batch"\n  - "local_subset"\n' +
        '  - "runner"\n  - "runner_async"\n  - "wheel"\n  - "wheel_async"\n',
    );
  });

  it('configures file eauth over the users file with one ACL per user', () => {
    expect(master).toContain(
      'external_auth:\n  file:\n    "^filename": "/tmp/hl-abc123/etc/salt/users.txt"\n    "^filetype": "text"\n' +
        '    "^hashtype": "plaintext"\n    halite:\n      - ".*"\n      - "@wheel"\n      - "@runner"\n      - "@jobs"\n' +
        '    viewer:\n      - "test.*"\n      - {"@runner":["jobs.*"]}\n',
    );
  });

  it('keeps keys pending unless autosigned, and lets a login choose its token lifetime', () => {
    expect(master).toContain('auto_accept: false\nautosign_file: "/tmp/hl-abc123/etc/salt/autosign.conf"\n');
    expect(master).toContain('token_expire: 5\ntoken_expire_user_override: true\n');
  });
});

describe('renderMinionConfig', () => {
  it('points the minion at the master ret port and gives it its own root', () => {
    const minion = renderMinionConfig(spec, 'p1');
    expect(minion).toContain('id: "p1"\n');
    expect(minion).toContain('root_dir: "/tmp/hl-abc123/m/p1"\n');
    expect(minion).toContain('master: "127.0.0.1"\nmaster_port: 40002\npublish_port: 40001\n');
    expect(minion).toContain('rejected_retry: true\n');
  });
});

describe('renderLabFiles', () => {
  const files = renderLabFiles(spec);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const layout = labLayout(spec.root);

  it('autosigns only the accepted minions, so pending ones stay in minions_pre', () => {
    expect(byPath.get(layout.autosignFile)?.content).toBe('m1\nm2\n');
  });

  it('writes the users file private, one user:password per line', () => {
    expect(byPath.get(layout.usersFile)).toEqual({
      path: layout.usersFile,
      content: 'halite:secret\nviewer:viewer\n',
      mode: 0o600,
    });
  });

  it('writes one minion config per accepted and pending minion', () => {
    expect(files.map((f) => f.path).filter((p) => p.endsWith('/minion'))).toEqual([
      '/tmp/hl-abc123/m/m1/etc/salt/minion',
      '/tmp/hl-abc123/m/m2/etc/salt/minion',
      '/tmp/hl-abc123/m/p1/etc/salt/minion',
    ]);
  });
});

describe('validateLabSpec', () => {
  it('rejects a duplicated id', () => {
    expect(() => validateLabSpec({ root: '/tmp/hl-x', minions: ['m1'], pending: ['m1'] })).toThrow(
      /listed twice/,
    );
  });

  it('rejects an id that is not a plain name', () => {
    expect(() => validateLabSpec({ root: '/tmp/hl-x', minions: ['../m1'], pending: [] })).toThrow(
      /invalid minion id/,
    );
  });

  it('rejects a root too deep for Salt unix socket paths', () => {
    expect(() => validateLabSpec({ root: `/tmp/${'d'.repeat(60)}`, minions: ['m1'], pending: [] })).toThrow(
      /too long/,
    );
  });
});
