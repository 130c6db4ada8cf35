import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useCan } from '../../auth/session';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { DialogForm } from '../../ui/dialog-form';
import { Field, FormError } from '../../ui/field';
import { Modal } from '../../ui/modal';
import { PageHeader } from '../../ui/page';
import { ErrorState, Forbidden, Loading } from '../../ui/states';
import { type Role, rolesQuery } from '../users/user-queries';

/** Verbs the routes check, for the permission form's suggestions. */
const VERBS = [
  '*',
  'view',
  'execute',
  'accept',
  'reject',
  'delete',
  'kill',
  'edit',
  'manage_user',
  'manage_role',
];
/** Resource globs the routes check. */
const RESOURCES = [
  '*',
  'minion:*',
  'key:*',
  'job:*',
  'salt:*',
  'salt:test.*',
  'audit:*',
  'settings:*',
  'user:*',
  'role:*',
];

/** A `<datalist>` of suggestions for the input whose `list` names it. */
function Suggestions({ id, values }: { id: string; values: string[] }) {
  return (
    <datalist id={id}>
      {values.map((v) => (
        <option key={v} value={v} />
      ))}
    </datalist>
  );
}

/** Roles and their `verb:resource` permissions. */
export function RolesPage() {
  const may = useCan();
  const allowed = may('view:role:*') || may('manage_role:role:*');
  const manage = may('manage_role:role:*');
  const roles = useQuery({ ...rolesQuery, enabled: allowed });
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  if (!allowed) {
    return (
      <>
        <PageHeader title="Roles" />
        <Forbidden what="manage roles" />
      </>
    );
  }
  const current = selected ?? roles.data?.roles[0]?.id ?? null;
  return (
    <>
      <PageHeader title="Roles">
        {manage ? (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New role
          </button>
        ) : null}
      </PageHeader>
      {roles.error ? <ErrorState error={roles.error} what="view roles" /> : null}
      {roles.isPending ? <Loading /> : null}
      {roles.data ? (
        <div
          className="grid"
          style={{ gridTemplateColumns: 'minmax(200px, 280px) minmax(0, 1fr)', alignItems: 'start' }}
        >
          <nav className="panel" aria-label="Roles" style={{ padding: 6 }}>
            {roles.data.roles.map((role) => (
              <button
                key={role.id}
                type="button"
                className="ghost"
                aria-current={role.id === current ? 'true' : undefined}
                aria-pressed={role.id === current}
                onClick={() => setSelected(role.id)}
                style={{
                  width: '100%',
                  justifyContent: 'flex-start',
                  flexDirection: 'column',
                  alignItems: 'flex-start',
                  whiteSpace: 'normal',
                }}
              >
                <span>
                  {role.name}{' '}
                  {role.is_builtin ? <span className="badge plain tone-info">built-in</span> : null}
                </span>
                <span className="muted" style={{ fontWeight: 400, fontSize: 12, textAlign: 'left' }}>
                  {role.description}
                </span>
              </button>
            ))}
          </nav>
          {current ? (
            <RoleDetail key={current} roleId={current} manage={manage} onDeleted={() => setSelected(null)} />
          ) : null}
        </div>
      ) : null}
      <Modal open={creating} title="New role" onClose={() => setCreating(false)}>
        <CreateRoleForm
          onDone={(role) => {
            setCreating(false);
            setSelected(role.id);
          }}
          onCancel={() => setCreating(false)}
        />
      </Modal>
    </>
  );
}

function RoleDetail({
  roleId,
  manage,
  onDeleted,
}: {
  roleId: string;
  manage: boolean;
  onDeleted: () => void;
}) {
  const queryClient = useQueryClient();
  const role = useQuery({
    queryKey: ['roles', 'detail', roleId],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/roles/{role_id}', { params: { path: { role_id: roleId } }, signal })),
  });
  const [verb, setVerb] = useState('view');
  const [resource, setResource] = useState('minion:*');
  const [description, setDescription] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['roles'] });
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/roles/{role_id}/permissions', {
          params: { path: { role_id: roleId } },
          body: { verb: verb.trim(), resource_glob: resource.trim() },
        }),
      ),
    onSuccess: refresh,
  });
  const removePermission = useMutation({
    mutationFn: (permissionId: string) =>
      unwrap(
        api.DELETE('/api/roles/{role_id}/permissions/{permission_id}', {
          params: { path: { role_id: roleId, permission_id: permissionId } },
        }),
      ),
    onSuccess: refresh,
  });
  const describe = useMutation({
    mutationFn: (text: string) =>
      unwrap(
        api.PATCH('/api/roles/{role_id}', {
          params: { path: { role_id: roleId } },
          body: { description: text },
        }),
      ),
    onSuccess: () => {
      setDescription(null);
      void refresh();
    },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/roles/{role_id}', { params: { path: { role_id: roleId } } })),
    onSuccess: () => {
      setConfirmDelete(false);
      onDeleted();
      void refresh();
    },
  });

  if (role.error) return <ErrorState error={role.error} what="view this role" />;
  if (!role.data) return <Loading />;
  const r = role.data;
  const editable = manage && !r.is_builtin;
  return (
    <section className="panel" aria-labelledby="role-title">
      <div style={{ display: 'flex', alignItems: 'baseline', gap: 10 }}>
        <h2 id="role-title" style={{ margin: 0 }}>
          {r.name}
        </h2>
        {r.is_builtin ? (
          <span className="badge plain tone-info">built-in: its grants are restored at each start</span>
        ) : null}
        <span style={{ flex: 1 }} />
        {editable ? (
          <button type="button" className="small danger" onClick={() => setConfirmDelete(true)}>
            Delete role
          </button>
        ) : null}
      </div>
      {description === null ? (
        <p className="muted">
          {r.description || 'No description.'}{' '}
          {manage ? (
            <button type="button" className="small ghost" onClick={() => setDescription(r.description)}>
              Edit
            </button>
          ) : null}
        </p>
      ) : (
        <form
          className="toolbar"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            describe.mutate(description);
          }}
        >
          <div className="field" style={{ flex: 1 }}>
            <label htmlFor="role-description">Description</label>
            <input
              id="role-description"
              type="text"
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
          </div>
          <button type="submit" className="primary" disabled={describe.isPending}>
            Save
          </button>
          <button type="button" onClick={() => setDescription(null)}>
            Cancel
          </button>
        </form>
      )}
      <FormError error={describe.error ?? add.error ?? removePermission.error ?? remove.error} />
      <h3>Permissions</h3>
      <table className="data middle" style={{ marginBottom: 12 }}>
        <thead>
          <tr>
            <th>Verb</th>
            <th>Resource</th>
            {manage ? <th /> : null}
          </tr>
        </thead>
        <tbody>
          {r.permissions.length === 0 ? (
            <tr>
              <td colSpan={3} className="muted">
                No permissions: this role grants nothing.
              </td>
            </tr>
          ) : null}
          {r.permissions.map((p) => (
            <tr key={p.id} data-testid="permission-row">
              <td className="mono">{p.verb}</td>
              <td className="mono">{p.resource_glob}</td>
              {manage ? (
                <td style={{ width: 1 }}>
                  <button
                    type="button"
                    className="small danger"
                    disabled={removePermission.isPending}
                    onClick={() => removePermission.mutate(p.id)}
                    title={`Remove ${p.verb}:${p.resource_glob}`}
                  >
                    Remove
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {manage ? (
        <form
          className="toolbar"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            add.mutate();
          }}
        >
          <Field
            id="perm-verb"
            label="Verb"
            type="text"
            list="perm-verbs"
            value={verb}
            onChange={(e) => setVerb(e.target.value)}
            className="mono"
          >
            <Suggestions id="perm-verbs" values={VERBS} />
          </Field>
          <Field
            id="perm-resource"
            label="Resource glob"
            type="text"
            list="perm-resources"
            value={resource}
            onChange={(e) => setResource(e.target.value)}
            className="mono"
          >
            <Suggestions id="perm-resources" values={RESOURCES} />
          </Field>
          <button type="submit" disabled={add.isPending || !verb.trim() || !resource.trim()}>
            Add permission
          </button>
        </form>
      ) : null}
      <p className="muted" style={{ fontSize: 12 }}>
        A permission is <code>verb:resource</code> with globs: <code>execute:salt:test.*</code> runs any{' '}
        <code>test</code> function, <code>view:*</code> reads everything, <code>*</code> alone grants all.
      </p>
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete the role ${r.name}?`}
        destructive
        busy={remove.isPending}
        onCancel={() => setConfirmDelete(false)}
        onConfirm={() => remove.mutate()}
      >
        <p>Users who hold it lose its permissions.</p>
      </ConfirmDialog>
    </section>
  );
}

function CreateRoleForm({ onDone, onCancel }: { onDone: (role: Role) => void; onCancel: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const create = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/roles', { body: { name: name.trim(), description: description.trim() } })),
    onSuccess: (role) => {
      void queryClient.invalidateQueries({ queryKey: ['roles'] });
      onDone(role);
    },
  });
  return (
    <DialogForm
      onSubmit={() => create.mutate()}
      onCancel={onCancel}
      submitLabel="Create role"
      busy={create.isPending}
      error={create.error}
    >
      <Field
        id="new-role-name"
        label="Name"
        type="text"
        required
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <Field
        id="new-role-description"
        label="Description"
        type="text"
        value={description}
        onChange={(e) => setDescription(e.target.value)}
      />
    </DialogForm>
  );
}
