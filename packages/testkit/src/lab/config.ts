import path from 'node:path';

/**
 * Every client that salt-api may use. Since Salt 3006 all are disabled unless listed in
 * `netapi_enable_clients`; the lab enables all but `ssh` (and 3008's `destroy`).
 */
export const LAB_NETAPI_CLIENTS = [
  'local',
  'local_async',
  'local_batch',
  'local_subset',
  'runner',
  'runner_async',
  'wheel',
  'wheel_async',
] as const;

/** The eauth backend the lab configures: Salt's `file` backend over a plain-text users file (no PAM). */
export const LAB_EAUTH = 'file';

/** An eauth user of the lab: name, password and Salt ACL (`external_auth` entry). */
export interface LabUser {
  /** Login name. */
  username: string;
  /** Plain-text password (written to the users file, mode 0600). */
  password: string;
  /** Salt ACL, e.g. `['.*', '@wheel', '@runner', '@jobs']`. */
  perms: Array<string | Record<string, string[]>>;
}

/** Where everything of one lab lives. Every path is absolute and short (AF_UNIX limit). */
export interface LabLayout {
  /** The lab's root directory, e.g. `/tmp/hl-AbC123`. */
  root: string;
  /** `-c` directory of the master, salt-api and the CLI tools (holds `master`). */
  confDir: string;
  /** The master (and salt-api) config file. */
  masterConfig: string;
  /** The `file` eauth users file (`user:password` lines). */
  usersFile: string;
  /** The autosign file: ids accepted at first authentication. */
  autosignFile: string;
  /** One `<daemon>.log` per daemon (its stdout and stderr). */
  logsDir: string;
  /** Pid/pgid files of every process the lab started (read by the watchdog and the stale sweep). */
  runDir: string;
  /** The master's IPC socket directory. */
  masterSockDir: string;
  /** Root dir of one minion. */
  minionRoot(id: string): string;
  /** `-c` directory of one minion (holds `minion`). */
  minionConfDir(id: string): string;
}

/** Paths of a lab rooted at `root`. */
export function labLayout(root: string): LabLayout {
  const confDir = path.join(root, 'etc', 'salt');
  return {
    root,
    confDir,
    masterConfig: path.join(confDir, 'master'),
    usersFile: path.join(confDir, 'users.txt'),
    autosignFile: path.join(confDir, 'autosign.conf'),
    logsDir: path.join(root, 'logs'),
    runDir: path.join(root, 'run'),
    masterSockDir: path.join(root, 'var', 'run', 'salt', 'master'),
    minionRoot: (id) => path.join(root, 'm', id),
    minionConfDir: (id) => path.join(root, 'm', id, 'etc', 'salt'),
  };
}

/** Everything the config writer needs to describe one lab. */
export interface LabConfigSpec {
  /** The lab's root directory. */
  root: string;
  /** The master's id (also names its keys and the `<id>_master` target of runner jobs). */
  masterId: string;
  /** Minions whose keys are accepted at first authentication (written to the autosign file). */
  minions: string[];
  /** Minions whose keys stay in `minions_pre`. */
  pending: string[];
  /** Master publish port (4505 by default in Salt). */
  publishPort: number;
  /** Master request ("ret") port (4506 by default in Salt). */
  retPort: number;
  /** rest_cherrypy port. */
  apiPort: number;
  /** Lifetime of a Salt eauth token in seconds (`token_expire`). */
  tokenExpire: number;
  /** Master/minion transport. */
  transport: 'zeromq' | 'tcp';
  /** The OS user the daemons run as (Salt refuses another user unless root). */
  user: string;
  /** eauth users (the first is the lab's main user). */
  users: LabUser[];
}

/** One file the lab writes. */
export interface LabFile {
  /** Absolute path. */
  path: string;
  /** Text content. */
  content: string;
  /** File mode (default 0o644). */
  mode?: number;
}

type YamlScalar = string | number | boolean | null;
type YamlValue = YamlScalar | YamlValue[] | { [key: string]: YamlValue };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function yamlKey(key: string): string {
  return PLAIN_KEY.test(key) ? key : JSON.stringify(key);
}

function isScalar(value: YamlValue): value is YamlScalar {
  return value === null || typeof value !== 'object';
}

function yamlScalar(value: YamlScalar): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Block-style YAML for a mapping. Strings are double-quoted (JSON escapes are valid YAML), and
 * collections inside lists are written in flow style (JSON), which YAML also reads.
 */
export function toYaml(value: { [key: string]: YamlValue }, indent = 0): string {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const k = `${pad}${yamlKey(key)}:`;
    if (isScalar(item)) {
      lines.push(`${k} ${yamlScalar(item)}`);
    } else if (Array.isArray(item)) {
      if (item.length === 0) {
        lines.push(`${k} []`);
        continue;
      }
      lines.push(k);
      for (const entry of item)
        lines.push(`${pad}  - ${isScalar(entry) ? yamlScalar(entry) : JSON.stringify(entry)}`);
    } else if (Object.keys(item).length === 0) {
      lines.push(`${k} {}`);
    } else {
      lines.push(k, toYaml(item, indent + 2).replace(/\n$/, ''));
    }
  }
  return `${lines.join('\n')}\n`;
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/** Throws when ids are invalid, duplicated, or would make a socket path too long. */
export function validateLabSpec(spec: Pick<LabConfigSpec, 'root' | 'minions' | 'pending'>): void {
  const all = [...spec.minions, ...spec.pending];
  for (const id of all) {
    if (!ID_PATTERN.test(id))
      throw new Error(`invalid minion id ${JSON.stringify(id)} (use [A-Za-z0-9._-], max 32)`);
  }
  const dup = all.find((id, i) => all.indexOf(id) !== i);
  if (dup !== undefined) throw new Error(`minion id ${JSON.stringify(dup)} is listed twice`);
  // The longest AF_UNIX path Salt creates is about <minion root>/var/run/salt/minion/minion_event_<10 hex>_pull.ipc.
  const longest = Math.max(0, ...all.map((id) => id.length));
  const worst =
    spec.root.length +
    '/m/'.length +
    longest +
    '/var/run/salt/minion/minion_event_0123456789_pull.ipc'.length;
  if (worst > 104) {
    throw new Error(
      `lab root ${spec.root} is too long for Salt's unix sockets (${worst} > 104 bytes); use a short dir`,
    );
  }
}

/** The master (and salt-api) config of a lab, as YAML. */
export function renderMasterConfig(spec: LabConfigSpec): string {
  const layout = labLayout(spec.root);
  const acl: Record<string, YamlValue> = {
    '^filename': layout.usersFile,
    '^filetype': 'text',
    '^hashtype': 'plaintext',
  };
  for (const user of spec.users) acl[user.username] = user.perms;
  const config: Record<string, YamlValue> = {
    id: spec.masterId,
    user: spec.user,
    root_dir: spec.root,
    interface: '127.0.0.1',
    ipv6: false,
    publish_port: spec.publishPort,
    ret_port: spec.retPort,
    transport: spec.transport,
    open_mode: false,
    auto_accept: false,
    autosign_file: layout.autosignFile,
    file_roots: { base: [path.join(spec.root, 'srv', 'salt')] },
    pillar_roots: { base: [path.join(spec.root, 'srv', 'pillar')] },
    token_expire: spec.tokenExpire,
    token_expire_user_override: true,
    presence_events: true,
    netapi_enable_clients: [...LAB_NETAPI_CLIENTS],
    external_auth: { [LAB_EAUTH]: acl },
    rest_cherrypy: { port: spec.apiPort, host: '127.0.0.1', disable_ssl: true },
  };
  return `# Written by @halite/testkit's Salt lab. Loopback only; never expose these credentials.\n${toYaml(config)}`;
}

/** The config of one minion, as YAML. */
export function renderMinionConfig(spec: LabConfigSpec, id: string): string {
  const root = labLayout(spec.root).minionRoot(id);
  const config: Record<string, YamlValue> = {
    id,
    user: spec.user,
    root_dir: root,
    master: '127.0.0.1',
    master_port: spec.retPort,
    publish_port: spec.publishPort,
    transport: spec.transport,
    ipv6: false,
    // Re-try authentication quickly while pending, and keep trying after a reject, so key
    // flows (accept after reject) work without restarting the minion.
    acceptance_wait_time: 1,
    acceptance_wait_time_max: 2,
    rejected_retry: true,
    file_roots: { base: [path.join(root, 'srv', 'salt')] },
    pillar_roots: { base: [path.join(root, 'srv', 'pillar')] },
  };
  return `# Written by @halite/testkit's Salt lab.\n${toYaml(config)}`;
}

/** Every file of a lab: master config, users file, autosign file and one config per minion. */
export function renderLabFiles(spec: LabConfigSpec): LabFile[] {
  validateLabSpec(spec);
  const layout = labLayout(spec.root);
  return [
    { path: layout.masterConfig, content: renderMasterConfig(spec) },
    {
      path: layout.usersFile,
      content: spec.users.map((u) => `${u.username}:${u.password}\n`).join(''),
      mode: 0o600,
    },
    { path: layout.autosignFile, content: spec.minions.map((id) => `${id}\n`).join('') },
    ...[...spec.minions, ...spec.pending].map((id) => ({
      path: path.join(layout.minionConfDir(id), 'minion'),
      content: renderMinionConfig(spec, id),
    })),
  ];
}
