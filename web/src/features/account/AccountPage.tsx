// The account: who you are (and changing it), your email's confirmation, the password, where you
// are signed in (ending any session), and closing the account.
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { type ApiError, asApiError } from '../../api/errors';
import type { components } from '../../api/schema';
import { useSession, useUser } from '../../auth/session';
import type { Grant } from '../../auth/tokens';
import { ActionForm, FormError, Notice, TextField, useAction } from '../../components/forms';

type SessionInfo = components['schemas']['Session'];

export function AccountPage() {
  return (
    <main>
      <h1>Account</h1>
      <div className="columns">
        <div>
          <Profile />
          <Password />
        </div>
        <div>
          <Sessions />
          <DeleteAccount />
        </div>
      </div>
    </main>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function Profile() {
  const { api, reloadUser } = useSession();
  const user = useUser();
  const [form, setForm] = useState({ username: user.username, email: user.email ?? '', current_password: '' });
  const [saved, setSaved] = useState(false);
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  const save = useAction(async () => {
    setSaved(false);
    const email = form.email.trim() === '' ? null : form.email.trim();
    const body: { username?: string; email?: string | null; current_password: string } = { current_password: form.current_password };
    if (form.username !== user.username) body.username = form.username;
    if (email !== (user.email ?? null)) body.email = email;
    await api.authed(() => api.client.PATCH('/auth/me', { body }));
    await reloadUser();
    setForm({ ...form, current_password: '' });
    setSaved(true);
  });
  const [resent, setResent] = useState(false);
  const resend = useAction(async () => {
    await api.authed(() => api.client.POST('/auth/email/verification'));
    setResent(true);
  });
  return (
    <Section title="Profile">
      <p>
        Signed in as <strong>{user.username}</strong>
        {user.email && (
          <>
            {' '}
            · {user.email} <span className={`badge ${user.email_verified ? 'ok' : 'warn'}`}>{user.email_verified ? 'confirmed' : 'not confirmed'}</span>
          </>
        )}
      </p>
      {user.email && !user.email_verified && (
        <p>
          {resent ? (
            <Notice>A new confirmation link is on its way to {user.email}.</Notice>
          ) : (
            <button type="button" className="secondary" onClick={() => void resend.run()} disabled={resend.pending}>
              Send the confirmation link again
            </button>
          )}
          <FormError error={resend.error} />
        </p>
      )}
      <ActionForm action={save.run} aria-label="Change username or email">
        <TextField label="Username" name="username" value={form.username} onChange={set('username')} error={save.error} autoComplete="username" />
        <TextField label="Email" name="email" type="email" value={form.email} onChange={set('email')} error={save.error} autoComplete="email" hint="Empty removes it." />
        <TextField label="Current password" name="current_password" type="password" value={form.current_password} onChange={set('current_password')} error={save.error} autoComplete="current-password" required />
        <FormError error={save.error} fields={['username', 'email', 'current_password']} />
        {saved && <Notice>Saved.</Notice>}
        <button type="submit" disabled={save.pending}>
          Save changes
        </button>
      </ActionForm>
    </Section>
  );
}

function Password() {
  const { api, adopt } = useSession();
  const [form, setForm] = useState({ current_password: '', new_password: '' });
  const [changed, setChanged] = useState(false);
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  const change = useAction(async () => {
    setChanged(false);
    // A new session replaces every earlier one, this one included: keep going with its token.
    const grant = await api.authed(() => api.client.POST('/auth/password', { body: form }));
    await adopt(grant as Grant);
    setForm({ current_password: '', new_password: '' });
    setChanged(true);
  });
  return (
    <Section title="Password">
      <ActionForm action={change.run} aria-label="Change password">
        <AccountName />
        <TextField label="Current password" name="current_password" type="password" value={form.current_password} onChange={set('current_password')} error={change.error} autoComplete="current-password" />
        <TextField label="New password" name="new_password" type="password" value={form.new_password} onChange={set('new_password')} error={change.error} autoComplete="new-password" />
        <FormError error={change.error} fields={['current_password', 'new_password']} />
        {changed && <Notice>Password changed. Every other session has ended.</Notice>}
        <button type="submit" disabled={change.pending}>
          Change password
        </button>
      </ActionForm>
    </Section>
  );
}

function Sessions() {
  const { api, forget, signOutEverywhere } = useSession();
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const load = useCallback(
    () =>
      api
        .authed(() => api.client.GET('/auth/sessions'))
        .then((page) => setSessions(page.results))
        .catch((caught: unknown) => setError(asApiError(caught))),
    [api],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const end = useAction(async (session: SessionInfo) => {
    await api.authed(() => api.client.DELETE('/auth/sessions/{id}', { params: { path: { id: session.id } } }));
    if (session.current) forget('You ended this session.');
    else await load();
  });
  const everywhere = useAction(signOutEverywhere);
  return (
    <Section title="Where you are signed in">
      <FormError error={error ?? end.error} />
      <ul className="sessions" aria-label="Sessions">
        {(sessions ?? []).map((session) => (
          <li key={session.id}>
            <div>
              <strong>{session.user_agent ?? 'Unknown device'}</strong>
              {session.current && <span className="badge ok">this device</span>}
            </div>
            <small>
              Signed in {when(session.created_at)}, last used {when(session.last_used_at)}, until {when(session.expires_at)}
            </small>
            <button type="button" className="secondary" onClick={() => void end.run(session)} aria-label={`End the session ${session.current ? 'on this device' : `from ${when(session.created_at)}`}`}>
              End
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="danger" onClick={() => void everywhere.run()} disabled={everywhere.pending}>
        Sign out everywhere
      </button>
      <FormError error={everywhere.error} />
    </Section>
  );
}

/** Tells password managers whose password a form asks for (it is not shown). */
function AccountName() {
  const user = useUser();
  return <input type="text" name="username" autoComplete="username" value={user.username} readOnly hidden />;
}

const when = (timestamp: string): string => new Date(timestamp).toLocaleString();

function DeleteAccount() {
  const { api, forget } = useSession();
  const [password, setPassword] = useState('');
  const remove = useAction(async () => {
    await api.authed(() => api.client.DELETE('/auth/me', { body: { password } }));
    forget('Your account and everything in it are deleted.');
  });
  return (
    <Section title="Delete account">
      <p>This deletes your account, your tasks, expenses and budgets, for good, and signs you out everywhere.</p>
      <ActionForm action={remove.run} aria-label="Delete account">
        <AccountName />
        <TextField label="Password" name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} error={remove.error} autoComplete="current-password" />
        <FormError error={remove.error} fields={['password']} />
        <button type="submit" className="danger" disabled={remove.pending}>
          Delete my account
        </button>
      </ActionForm>
    </Section>
  );
}
