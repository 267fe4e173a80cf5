// Signed-out pages: sign in, sign up, forgot password, and the pages the mails' links open.
import { useState } from 'react';
import { unwrap } from '../../api/client';
import { useSession } from '../../auth/session';
import { ActionForm, FormError, Notice, TextField, useAction } from '../../components/forms';
import { Link, navigate, useLocation } from '../../router';

export function SignIn({ notice }: { notice?: string }) {
  const { signIn } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { run, pending, error } = useAction(async () => {
    await signIn(username, password);
    navigate('/tasks', { replace: true });
  });
  return (
    <main className="narrow">
      <h1>Sign in</h1>
      {notice && <Notice>{notice}</Notice>}
      <ActionForm action={run}>
        <TextField label="Username or email" name="username" error={error} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="username" required />
        <TextField label="Password" name="password" type="password" error={error} value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="current-password" required />
        <FormError error={error} fields={['username', 'password']} />
        <button type="submit" disabled={pending}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </ActionForm>
      <p>
        New here? <Link to="/sign-up">Create an account</Link> · <Link to="/forgot-password">Forgot your password?</Link>
      </p>
    </main>
  );
}

export function SignUp() {
  const { api, signIn } = useSession();
  const [form, setForm] = useState({ username: '', email: '', password: '' });
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  const { run, pending, error } = useAction(async () => {
    const email = form.email.trim() === '' ? null : form.email.trim();
    await unwrap(api.client.POST('/auth/register', { body: { username: form.username, email, password: form.password } }));
    await signIn(form.username, form.password);
    navigate('/tasks', { replace: true });
  });
  return (
    <main className="narrow">
      <h1>Create an account</h1>
      <ActionForm action={run}>
        <TextField label="Username" name="username" error={error} value={form.username} onChange={set('username')} autoComplete="username" hint="3 to 150 letters, digits or . + - _" required />
        <TextField label="Email (optional)" name="email" type="email" error={error} value={form.email} onChange={set('email')} autoComplete="email" hint="For password resets. We send a link to confirm it." />
        <TextField label="Password" name="password" type="password" error={error} value={form.password} onChange={set('password')} autoComplete="new-password" hint="At least 8 characters, not all digits, not a common password." required />
        <FormError error={error} fields={['username', 'email', 'password']} />
        <button type="submit" disabled={pending}>
          {pending ? 'Creating…' : 'Create account'}
        </button>
      </ActionForm>
      <p>
        Have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </main>
  );
}

export function ForgotPassword() {
  const { api } = useSession();
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const { run, pending, error } = useAction(async () => {
    await unwrap(api.client.POST('/auth/password/forgot', { body: { email } }));
    setSent(true);
  });
  return (
    <main className="narrow">
      <h1>Forgot your password?</h1>
      {sent ? (
        <Notice>If an account has this email address, verified, a link to choose a new password is on its way. It works for 30 minutes.</Notice>
      ) : (
        <ActionForm action={run}>
          <TextField label="Email" name="email" type="email" error={error} value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="email" required />
          <FormError error={error} fields={['email']} />
          <button type="submit" disabled={pending}>
            Send me a link
          </button>
        </ActionForm>
      )}
      <p>
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </main>
  );
}

export function ResetPassword() {
  const { api } = useSession();
  const token = useLocation().searchParams.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const { run, pending, error } = useAction(async () => {
    await unwrap(api.client.POST('/auth/password/reset', { body: { token, new_password: password } }));
    setDone(true);
  });
  return (
    <main className="narrow">
      <h1>Choose a new password</h1>
      {done ? (
        <Notice>
          Your password is changed, and every session has ended. <Link to="/sign-in">Sign in</Link> with the new one.
        </Notice>
      ) : (
        <ActionForm action={run}>
          <TextField label="New password" name="new_password" type="password" error={error} value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" required />
          {error?.field('token') && (
            <p className="field-error" role="alert">
              This link cannot be used: {error.field('token')} <Link to="/forgot-password">Ask for a new one.</Link>
            </p>
          )}
          <FormError error={error} fields={['new_password', 'token']} />
          <button type="submit" disabled={pending}>
            Set the new password
          </button>
        </ActionForm>
      )}
    </main>
  );
}

export function VerifyEmail() {
  const { api, state, reloadUser } = useSession();
  const token = useLocation().searchParams.get('token') ?? '';
  const [verified, setVerified] = useState<string | null>(null);
  const { run, pending, error } = useAction(async () => {
    const user = await unwrap(api.client.POST('/auth/email/verify', { body: { token } }));
    setVerified(user.email ?? '');
    // The link may open in a tab that is signed in, or still signing in through the cookie: show the
    // confirmed address there too. Without a session there is nothing to refresh.
    await reloadUser().catch(() => undefined);
  });
  return (
    <main className="narrow">
      <h1>Confirm your email</h1>
      {verified !== null ? (
        <Notice>
          {verified} is confirmed. <Link to={state.status === 'signed-in' ? '/account' : '/sign-in'}>Continue</Link>
        </Notice>
      ) : (
        <>
          <p>Confirm that this address is yours, to be able to reset your password with it.</p>
          <FormError error={error} fields={[]} />
          <button type="button" onClick={() => void run()} disabled={pending}>
            Confirm my email
          </button>
        </>
      )}
    </main>
  );
}
