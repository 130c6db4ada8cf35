/**
 * Whether `glob` covers `value`: `*` stands for any run of characters (`:` included), `?` for
 * exactly one; everything else is literal. Anchored at both ends and case-sensitive.
 */
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

/** Splits `verb:resource` at the first `:`; a string without `:` is a verb with no resource. */
function splitPermission(permission: string): { verb: string; resource: string | undefined } {
  const at = permission.indexOf(':');
  return at < 0
    ? { verb: permission, resource: undefined }
    : { verb: permission.slice(0, at), resource: permission.slice(at + 1) };
}

/**
 * Whether the granted `verb:resource` glob pair covers the `required` permission. The verb
 * and the resource are matched separately (so a verb glob never spills into the resource);
 * a lone `*` grants everything. Anchored and case-sensitive.
 *
 * @example
 * ```ts
 * permissionMatches('view:minion:*', 'view:minion:web-01');          // true
 * permissionMatches('execute:salt:test.*', 'execute:salt:test.ping'); // true
 * permissionMatches('execute:salt:test.*', 'execute:salt:cmd.run');   // false
 * permissionMatches('view:*', 'kill:job:*');                          // false
 * ```
 */
export function permissionMatches(granted: string, required: string): boolean {
  if (granted === '*' || granted === required) return true;
  const want = splitPermission(required);
  const have = splitPermission(granted);
  if (have.resource === undefined || want.resource === undefined) {
    return globMatches(granted, required);
  }
  return globMatches(have.verb, want.verb) && globMatches(have.resource, want.resource);
}

/**
 * Whether any of `granted` covers `required` (see {@link permissionMatches}).
 *
 * @example
 * ```ts
 * can(['view:*', 'kill:job:*'], 'kill:job:20250101000000000000'); // true
 * ```
 */
export function can(granted: readonly string[], required: string): boolean {
  return granted.some((permission) => permissionMatches(permission, required));
}

/**
 * Whether some permission in `granted` allows `verb` on at least part of the resource `kind`:
 * `execute:salt:test.*` counts for `execute` on `salt`, `view:minion:web-*` for `view` on
 * `minion`. For deciding whether to offer a page whose actions are then checked one by one
 * with {@link can}; never a substitute for that check.
 *
 * @example
 * ```ts
 * canSome(['execute:salt:test.*'], 'execute', 'salt'); // true
 * canSome(['view:minion:*'], 'execute', 'salt');       // false
 * ```
 */
export function canSome(granted: readonly string[], verb: string, kind: string): boolean {
  return granted.some((permission) => {
    if (permission === '*') return true;
    const { verb: grantedVerb, resource } = splitPermission(permission);
    if (resource === undefined) return globMatches(permission, `${verb}:${kind}:x`);
    if (!globMatches(grantedVerb, verb)) return false;
    const colon = resource.indexOf(':');
    const head = colon < 0 ? resource : resource.slice(0, colon);
    return globMatches(head, kind) || (colon < 0 && head.includes('*'));
  });
}

/** Turns the Store's `{ verb, resourceGlob }` rows into `verb:resource` strings. */
export function permissionStrings(rows: ReadonlyArray<{ verb: string; resourceGlob: string }>): string[] {
  return rows.map((row) => `${row.verb}:${row.resourceGlob}`);
}
