/**
 * The server's permission rule, for showing and hiding what the user may do: a granted
 * `verb:resource` glob pair covers a required permission when the verb globs match and the
 * resource globs match (`*` any run, `?` one character, anchored, case-sensitive); a lone `*`
 * grants everything. The server decides; this only keeps the UI honest about it.
 */
export function permissionMatches(granted: string, required: string): boolean {
  if (granted === '*' || granted === required) return true;
  const want = split(required);
  const have = split(granted);
  if (have.resource === undefined || want.resource === undefined) return globMatches(granted, required);
  return globMatches(have.verb, want.verb) && globMatches(have.resource, want.resource);
}

/** Whether any of `granted` covers `required`. */
export function can(granted: readonly string[], required: string): boolean {
  return granted.some((permission) => permissionMatches(permission, required));
}

function split(permission: string): { verb: string; resource: string | undefined } {
  const at = permission.indexOf(':');
  return at < 0
    ? { verb: permission, resource: undefined }
    : { verb: permission.slice(0, at), resource: permission.slice(at + 1) };
}

function globMatches(glob: string, value: string): boolean {
  if (glob === '*' || glob === value) return true;
  if (!glob.includes('*') && !glob.includes('?')) return false;
  let pattern = '';
  for (const char of glob) {
    if (char === '*') pattern += '.*';
    else if (char === '?') pattern += '.';
    else pattern += char.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`, 's').test(value);
}

/**
 * Whether some permission grants `verb` on at least part of `kind` (`execute:salt:test.*`
 * counts for `execute` on `salt`): whether to show a page whose actions are checked one by one.
 */
export function canSome(granted: readonly string[], verb: string, kind: string): boolean {
  return granted.some((permission) => {
    if (permission === '*') return true;
    const { verb: v, resource } = split(permission);
    if (resource === undefined) return globMatches(permission, `${verb}:${kind}:x`);
    if (!globMatches(v, verb)) return false;
    const colon = resource.indexOf(':');
    const head = colon < 0 ? resource : resource.slice(0, colon);
    return globMatches(head, kind) || (colon < 0 && head.includes('*'));
  });
}
