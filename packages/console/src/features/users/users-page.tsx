import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, errorMessage, unwrap } from '../../api/client';
import { useCan } from '../../auth/session';
import { ConfirmDialog } from '../../ui/confirm-dialog';
import { DialogForm } from '../../ui/dialog-form';
import { CheckField, Field, FormError, type Notice, NoticeBox } from '../../ui/field';
import { dateTime, timeAgo } from '../../ui/format';
import { Modal } from '../../ui/modal';
import { PageHeader } from '../../ui/page';
import { Empty, ErrorState, Forbidden, Loading } from '../../ui/states';
import { StatusBadge } from '../../ui/status';
import { type Role, rolesQuery, type User, userRolesQuery, usersQuery } from './user-queries';

type Dialog =
  | { kind: 'create' }
  | { kind: 'password'; user: User }
  | { kind: 'roles'; user: User }
  | { kind: 'delete'; user: User };

/** Accounts: create, deactivate, reset passwords, assign roles. */
export function UsersPage() {
  const may = useCan();
  const allowed = may('view:user:*') || may('manage_user:user:*');
  const manage = may('manage_user:user:*');
  const users = useQuery({ ...usersQuery, enabled: allowed });
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const queryClient = useQueryClient();
  const done = (text: string) => {
    setNotice({ ok: true, text });
    setDialog(null);
    void queryClient.invalidateQueries({ queryKey: ['users'] });
  };
  const toggleActive = useMutation({
    mutationFn: (user: User) =>
      unwrap(
        api.PATCH('/api/users/{user_id}', {
          params: { path: { user_id: user.id } },
          body: { is_active: !user.is_active },
        }),
      ),
    onSuccess: (user) => done(`${user.username} is now ${user.is_active ? 'active' : 'deactivated'}.`),
    onError: (error) => setNotice({ ok: false, text: errorMessage(error) }),
  });
  const remove = useMutation({
    mutationFn: (user: User) =>
      unwrap(api.DELETE('/api/users/{user_id}', { params: { path: { user_id: user.id } } })),
    onSuccess: (_d, user) => done(`Deleted ${user.username}.`),
    onError: (error) => setNotice({ ok: false, text: errorMessage(error) }),
  });

  if (!allowed) {
    return (
      <>
        <PageHeader title="Users" />
        <Forbidden what="manage users" />
      </>
    );
  }
  return (
    <>
      <PageHeader title="Users">
        {manage ? (
          <button type="button" className="primary" onClick={() => setDialog({ kind: 'create' })}>
            New user
          </button>
        ) : null}
      </PageHeader>
      <NoticeBox notice={notice} />
      {users.error ? <ErrorState error={users.error} what="view users" /> : null}
      {users.isPending ? <Loading /> : null}
      {users.data && users.data.users.length === 0 ? <Empty title="No users" /> : null}
      {users.data && users.data.users.length > 0 ? (
        <div className="table-wrap">
          <table className="data middle">
            <thead>
              <tr>
                <th>User</th>
                <th>Email</th>
                <th>State</th>
                <th>Last sign-in</th>
                <th>Created</th>
                {manage ? <th>Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((user) => (
                <tr key={user.id} data-testid="user-row" data-username={user.username}>
                  <td>
                    <strong>{user.username}</strong>
                    {user.display_name && user.display_name !== user.username ? (
                      <span className="muted"> · {user.display_name}</span>
                    ) : null}
                    {user.is_builtin ? (
                      <span className="badge plain tone-info" style={{ marginLeft: 6 }}>
                        built-in
                      </span>
                    ) : null}
                  </td>
                  <td>{user.email ?? <span className="muted">—</span>}</td>
                  <td>
                    <StatusBadge
                      status={user.is_active ? 'ok' : 'offline'}
                      label={user.is_active ? 'active' : 'deactivated'}
                    />{' '}
                    {user.must_change_pw ? (
                      <span className="badge plain tone-warn">must change password</span>
                    ) : null}
                  </td>
                  <td title={dateTime(user.last_login_at)}>{timeAgo(user.last_login_at)}</td>
                  <td>{dateTime(user.created_at)}</td>
                  {manage ? (
                    <td>
                      <div className="actions" style={{ flexWrap: 'nowrap' }}>
                        <button
                          type="button"
                          className="small"
                          onClick={() => setDialog({ kind: 'roles', user })}
                        >
                          Roles
                        </button>
                        <button
                          type="button"
                          className="small"
                          onClick={() => setDialog({ kind: 'password', user })}
                        >
                          Reset password
                        </button>
                        <button type="button" className="small" onClick={() => toggleActive.mutate(user)}>
                          {user.is_active ? 'Deactivate' : 'Activate'}
                        </button>
                        {user.is_builtin ? null : (
                          <button
                            type="button"
                            className="small danger"
                            onClick={() => setDialog({ kind: 'delete', user })}
                          >
                            Delete
                          </button>
                        )}
                      </div>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Modal open={dialog?.kind === 'create'} title="New user" onClose={() => setDialog(null)}>
        <CreateUserForm onDone={(u) => done(`Created ${u}.`)} onCancel={() => setDialog(null)} />
      </Modal>
      <Modal
        open={dialog?.kind === 'password'}
        title={dialog?.kind === 'password' ? `Reset the password of ${dialog.user.username}` : ''}
        onClose={() => setDialog(null)}
      >
        {dialog?.kind === 'password' ? (
          <ResetPasswordForm
            user={dialog.user}
            onDone={() => done(`Password of ${dialog.user.username} reset; their sessions ended.`)}
            onCancel={() => setDialog(null)}
          />
        ) : null}
      </Modal>
      <Modal
        open={dialog?.kind === 'roles'}
        title={dialog?.kind === 'roles' ? `Roles of ${dialog.user.username}` : ''}
        onClose={() => setDialog(null)}
      >
        {dialog?.kind === 'roles' ? (
          <UserRolesForm user={dialog.user} onClose={() => setDialog(null)} />
        ) : null}
      </Modal>
      <ConfirmDialog
        open={dialog?.kind === 'delete'}
        title={dialog?.kind === 'delete' ? `Delete ${dialog.user.username}?` : ''}
        destructive
        busy={remove.isPending}
        onCancel={() => setDialog(null)}
        onConfirm={() => dialog?.kind === 'delete' && remove.mutate(dialog.user)}
      >
        <p>The account and its sessions are removed. Audit entries keep its id.</p>
      </ConfirmDialog>
    </>
  );
}

function CreateUserForm({ onDone, onCancel }: { onDone: (username: string) => void; onCancel: () => void }) {
  const roles = useQuery(rolesQuery);
  const [form, setForm] = useState({
    username: '',
    display_name: '',
    email: '',
    password: '',
    must_change_pw: true,
  });
  const [roleIds, setRoleIds] = useState<string[]>([]);
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/users', {
          body: {
            username: form.username.trim(),
            password: form.password,
            must_change_pw: form.must_change_pw,
            role_ids: roleIds,
            ...(form.display_name.trim() ? { display_name: form.display_name.trim() } : {}),
            ...(form.email.trim() ? { email: form.email.trim() } : {}),
          },
        }),
      ),
    onSuccess: (user) => onDone(user.username),
  });
  return (
    <DialogForm
      onSubmit={() => create.mutate()}
      onCancel={onCancel}
      submitLabel="Create user"
      busy={create.isPending}
      error={create.error}
    >
      <Field
        id="new-username"
        label="Username"
        type="text"
        required
        value={form.username}
        onChange={(e) => setForm({ ...form, username: e.target.value })}
      />
      <Field
        id="new-display"
        label="Display name"
        type="text"
        value={form.display_name}
        onChange={(e) => setForm({ ...form, display_name: e.target.value })}
      />
      <Field
        id="new-email"
        label="Email"
        type="email"
        value={form.email}
        onChange={(e) => setForm({ ...form, email: e.target.value })}
      />
      <Field
        id="new-user-password"
        label="Initial password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        value={form.password}
        onChange={(e) => setForm({ ...form, password: e.target.value })}
      />
      <CheckField
        id="new-must-change"
        label="Must change password at first sign-in"
        checked={form.must_change_pw}
        onChange={(e) => setForm({ ...form, must_change_pw: e.target.checked })}
      />
      <fieldset className="field" style={{ border: 0, padding: 0 }}>
        <legend style={{ fontWeight: 550, fontSize: 13, marginBottom: 4 }}>Roles</legend>
        {roles.data?.roles.map((role: Role) => (
          <label key={role.id} className="check" htmlFor={`new-role-${role.id}`}>
            <input
              id={`new-role-${role.id}`}
              type="checkbox"
              checked={roleIds.includes(role.id)}
              onChange={(e) =>
                setRoleIds(e.target.checked ? [...roleIds, role.id] : roleIds.filter((id) => id !== role.id))
              }
            />
            {role.name} <span className="muted">{role.description}</span>
          </label>
        ))}
      </fieldset>
    </DialogForm>
  );
}

function ResetPasswordForm({
  user,
  onDone,
  onCancel,
}: {
  user: User;
  onDone: () => void;
  onCancel: () => void;
}) {
  const [password, setPassword] = useState('');
  const [mustChange, setMustChange] = useState(true);
  const reset = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/users/{user_id}/password', {
          params: { path: { user_id: user.id } },
          body: { new_password: password, must_change_pw: mustChange },
        }),
      ),
    onSuccess: onDone,
  });
  return (
    <DialogForm
      onSubmit={() => reset.mutate()}
      onCancel={onCancel}
      submitLabel="Reset password"
      busy={reset.isPending}
      error={reset.error}
    >
      <Field
        id="reset-password"
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <CheckField
        id="reset-must-change"
        label="Must change it at next sign-in"
        checked={mustChange}
        onChange={(e) => setMustChange(e.target.checked)}
      />
    </DialogForm>
  );
}

function UserRolesForm({ user, onClose }: { user: User; onClose: () => void }) {
  const roles = useQuery(rolesQuery);
  const held = useQuery(userRolesQuery(user.id));
  const queryClient = useQueryClient();
  const toggle = useMutation({
    mutationFn: ({ role, on }: { role: Role; on: boolean }) =>
      on
        ? unwrap(
            api.POST('/api/users/{user_id}/roles', {
              params: { path: { user_id: user.id } },
              body: { role_id: role.id },
            }),
          )
        : unwrap(
            api.DELETE('/api/users/{user_id}/roles/{role_id}', {
              params: { path: { user_id: user.id, role_id: role.id } },
            }),
          ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['users', 'roles', user.id] }),
  });
  return (
    <div>
      <FormError error={toggle.error} />
      {roles.data?.roles.map((role) => (
        <label key={role.id} className="check" htmlFor={`user-role-${role.id}`} style={{ marginBottom: 6 }}>
          <input
            id={`user-role-${role.id}`}
            type="checkbox"
            disabled={!held.data || toggle.isPending}
            checked={held.data?.includes(role.id) ?? false}
            onChange={(e) => toggle.mutate({ role, on: e.target.checked })}
          />
          {role.name} <span className="muted">{role.description}</span>
        </label>
      ))}
      <p className="muted">Each change is saved at once.</p>
      <div className="actions" style={{ justifyContent: 'flex-end' }}>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
