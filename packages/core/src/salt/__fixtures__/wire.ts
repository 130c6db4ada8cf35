/**
 * Wire examples from the salt-api reference (salt-api.md §1–§5), as salt-api sends them. Tests
 * answer with these through msw; keep them in step with the reference (and with what the
 * real-Salt contract tests observe).
 */

/** §2.2 `POST /login` → 200. */
export const loginBody = {
  return: [
    {
      token: '6d1b722e6d1b722e6d1b722e6d1b722e6d1b722e',
      expire: 1363849143.776224,
      start: 1363805943.776223,
      user: 'saltdev',
      eauth: 'auto',
      perms: ['.*', '@jobs', '@runner', '@wheel'],
    },
  ],
};

/** §2.2: a user no ACL entry matches gets `perms: {}`. */
export const loginBodyEmptyPerms = {
  return: [
    {
      token: 'a1b2c3d4a1b2c3d4a1b2c3d4a1b2c3d4a1b2c3d4',
      expire: 1363849143.776224,
      start: 1363805943.776223,
      user: 'nobody',
      eauth: 'file',
      perms: {},
    },
  ],
};

/** §1.2: CherryPy's HTML error page for a 401. */
export const unauthorizedHtml = `<h2>401 Unauthorized</h2>
<p>No permission -- see authorization schemes</p>`;

/**
 * §2.2: bad credentials on `/login`, in the full page CherryPy 18.10 (installed with Salt
 * 3008.5) renders from its `_HTTPErrorTemplate` in production mode.
 */
export const badCredentialsHtml = `<!DOCTYPE html PUBLIC
"-//W3C//DTD XHTML 1.0 Transitional//EN"
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html>
<head>
    <meta http-equiv="Content-Type" content="text/html; charset=utf-8"></meta>
    <title>401 Unauthorized</title>
    <style type="text/css">
    #powered_by {
        margin-top: 20px;
        border-top: 2px solid black;
        font-style: italic;
    }

    #traceback {
        color: red;
    }
    </style>
</head>
    <body>
        <h2>401 Unauthorized</h2>
        <p>Could not authenticate using provided credentials</p>
        <pre id="traceback"></pre>
    <div id="powered_by">
      <span>
        Powered by <a href="http://www.cherrypy.dev">CherryPy 18.10.0</a>
      </span>
    </div>
    </body>
</html>
`;

/** §1.2: the JSON body of a 500. */
export const internalErrorBody = { status: 500, return: 'An unexpected error occurred' };

/** §1.2: a 503 while the master is down. */
export const masterDownHtml = `<h2>503 Service Unavailable</h2>
<p>Salt Master is not available.</p>`;

/** §1.1: a disabled client. */
export const clientDisabledHtml = `<h2>400 Bad Request</h2>
<p>Client disabled: 'local'. Add to 'netapi_enable_clients' master config option to enable.</p>`;

/** §5.1 `wheel key.list_all`. */
export const keyListAllBody = {
  return: [
    {
      tag: 'salt/wheel/20251002101112123456',
      data: {
        fun: 'wheel.key.list_all',
        jid: '20251002101112123456',
        tag: 'salt/wheel/20251002101112123456',
        user: 'saltdev',
        _stamp: '2025-10-02T10:11:12.401234',
        return: {
          minions_pre: ['m3'],
          minions_rejected: [],
          minions: ['m1', 'm2'],
          minions_denied: [],
          local: ['master.pem', 'master.pub'],
        },
        success: true,
      },
    },
  ],
};

/** §5.2 `wheel key.accept match=m3`. */
export const keyAcceptBody = {
  return: [
    {
      tag: 'salt/wheel/20251002101112123457',
      data: {
        fun: 'wheel.key.accept',
        jid: '20251002101112123457',
        tag: 'salt/wheel/20251002101112123457',
        user: 'saltdev',
        _stamp: '2025-10-02T10:11:12.501234',
        return: { minions: ['m3'] },
        success: true,
      },
    },
  ],
};

/** §1.2: a wheel function that raised. */
export const wheelFailureBody = {
  return: [
    {
      tag: 'salt/wheel/20251002101112123458',
      data: {
        fun: 'wheel.key.xyz',
        jid: '20251002101112123458',
        tag: 'salt/wheel/20251002101112123458',
        user: 'saltdev',
        _stamp: '2025-10-02T10:11:12.601234',
        return: "Exception occurred in wheel key.xyz: 'xyz' is not available.",
        success: false,
      },
    },
  ],
};

/** §5.3 `runner manage.present`. */
export const managePresentBody = { return: [['m1', 'm2']] };

/** §5.3 `runner manage.present show_ip=True`. */
export const managePresentShowIpBody = { return: [{ m1: '10.0.0.5' }] };

/** §5.4 `runner cache.grains tgt=*`. */
export const cacheGrainsBody = {
  return: [{ m1: { id: 'm1', os: 'Debian', ipv4: ['127.0.0.1', '10.0.0.5'], '...': '...' }, m2: {} }],
};

/** §5.5 `runner jobs.list_jobs`. */
export const listJobsBody = {
  return: [
    {
      '20251002101112123456': {
        Function: 'test.ping',
        Arguments: [],
        Target: '*',
        'Target-type': 'glob',
        User: 'saltdev',
        StartTime: '2025, Oct 02 10:11:12.123456',
      },
      '20251002101500654321': {
        Function: 'runner.manage.status',
        Arguments: [],
        Target: 'lab-master_master',
        'Target-type': 'list',
        User: 'saltdev',
        StartTime: '2025, Oct 02 10:15:00.654321',
      },
    },
  ],
};

/** §5.5 `runner jobs.active`. */
export const jobsActiveBody = {
  return: [
    {
      '20251002101112123456': {
        Function: 'test.sleep',
        Arguments: [30],
        Target: '*',
        'Target-type': 'glob',
        User: 'saltdev',
        StartTime: '2025, Oct 02 10:11:12.123456',
        Running: [{ m1: 4242 }],
        Returned: ['m2'],
      },
    },
  ],
};

/** §1.2: a runner that raised answers 200 with a string. */
export const runnerExceptionBody = {
  return: ['Exception occurred in runner jobs.list_jobs: Traceback (most recent call last):\n  ...'],
};

/** §1.2: a runner given arguments it does not take. */
export const runnerInvalidArgsBody = {
  return: [
    "\nPassed invalid arguments: list_jobs() got an unexpected keyword argument 'nope'.\n\nUsage:\n...",
  ],
};

/** §5.6 `local test.ping tgt=*`. */
export const localPingBody = { return: [{ m1: true, m2: true }] };

/** §5.6 `local_async test.sleep tgt=* arg=[30]`. */
export const localAsyncBody = { return: [{ jid: '20251002101112123456', minions: ['m1', 'm2'] }] };

/** §5.6: `local_async` with a target that matches nothing. */
export const localAsyncNoMatchBody = { return: [{}] };

/** §3.3: the first bytes of `/events`; `retry:` shares the block of the first event. */
export const eventsWire =
  'retry: 400\n' +
  'tag: salt/job/20251002101112123456/new\n' +
  'data: {"tag": "salt/job/20251002101112123456/new", "data": {"jid": "20251002101112123456", "tgt_type": "glob", "tgt": "*", "user": "saltdev", "fun": "test.ping", "arg": [], "minions": ["m1", "m2"], "missing": [], "_stamp": "2025-10-02T10:11:12.130001"}}\n' +
  '\n' +
  'tag: salt/job/20251002101112123456/ret/m1\n' +
  'data: {"tag": "salt/job/20251002101112123456/ret/m1", "data": {"cmd": "_return", "id": "m1", "success": true, "return": true, "retcode": 0, "jid": "20251002101112123456", "fun": "test.ping", "fun_args": [], "user": "saltdev", "ts": 1759399872, "_stamp": "2025-10-02T10:11:12.345678"}}\n' +
  '\n';
