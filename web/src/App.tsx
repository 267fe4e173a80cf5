// Which page to show: the signed-out pages, or the signed-in app with its navigation and live
// updates. The mails' links (/verify-email, /reset-password) open whether signed in or not.
import { useEffect } from 'react';
import { useSession } from './auth/session';
import { FormError, useAction } from './components/forms';
import { AccountPage } from './features/account/AccountPage';
import { ForgotPassword, ResetPassword, SignIn, SignUp, VerifyEmail } from './features/auth/AuthPages';
import { MoneyPage } from './features/money/MoneyPage';
import { TasksPage } from './features/tasks/TasksPage';
import { LiveProvider, useLiveStatus } from './live/LiveProvider';
import { Link, navigate, useLocation } from './router';

const SIGNED_OUT_PAGES = ['/sign-in', '/sign-up', '/forgot-password'];

export function App({ wsUrl }: { wsUrl: string }) {
  const { state, retry } = useSession();
  const path = useLocation().pathname;

  useEffect(() => {
    if (state.status === 'signed-out' && !SIGNED_OUT_PAGES.includes(path) && !isMailLink(path)) navigate('/sign-in', { replace: true });
    if (state.status === 'signed-in' && (SIGNED_OUT_PAGES.includes(path) || path === '/')) navigate('/tasks', { replace: true });
  }, [state.status, path]);

  if (path === '/reset-password') return <Frame><ResetPassword /></Frame>;
  if (path === '/verify-email') return <Frame><VerifyEmail /></Frame>;

  switch (state.status) {
    case 'starting':
      return <Frame><p className="narrow" role="status">Loading…</p></Frame>;
    case 'unreachable':
      return (
        <Frame>
          <main className="narrow">
            <FormError error={state.error} />
            <button type="button" onClick={retry}>Try again</button>
          </main>
        </Frame>
      );
    case 'signed-out':
      return (
        <Frame>
          {path === '/sign-up' ? <SignUp /> : path === '/forgot-password' ? <ForgotPassword /> : <SignIn notice={state.notice} />}
        </Frame>
      );
    case 'signed-in':
      return (
        <LiveProvider wsUrl={wsUrl}>
          <Frame nav>
            {path === '/money' ? <MoneyPage /> : path === '/account' ? <AccountPage /> : <TasksPage />}
          </Frame>
        </LiveProvider>
      );
  }
}

const isMailLink = (path: string) => path === '/verify-email' || path === '/reset-password';

function Frame({ nav = false, children }: { nav?: boolean; children: React.ReactNode }) {
  return (
    <>
      <a className="skip" href="#content">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          taskmoney
        </Link>
        {nav && <SignedInNav />}
      </header>
      <div id="content" tabIndex={-1}>
        {children}
      </div>
    </>
  );
}

const LIVE_LABELS = { live: 'Live', connecting: 'Connecting…', offline: 'Offline, reconnecting…' } as const;

function SignedInNav() {
  const { state, signOut } = useSession();
  const path = useLocation().pathname;
  const live = useLiveStatus();
  const out = useAction(signOut);
  const username = state.status === 'signed-in' ? state.user.username : '';
  const item = (to: string, label: string) => (
    <Link to={to} aria-current={path === to ? 'page' : undefined}>
      {label}
    </Link>
  );
  return (
    <nav aria-label="Main">
      {item('/tasks', 'Tasks')}
      {item('/money', 'Money')}
      {item('/account', 'Account')}
      <span className={`live ${live}`} role="status" aria-label={`Live updates: ${LIVE_LABELS[live]}`}>
        {LIVE_LABELS[live]}
      </span>
      <span className="who">{username}</span>
      <button type="button" className="secondary" onClick={() => void out.run()} disabled={out.pending}>
        Sign out
      </button>
      <FormError error={out.error} />
    </nav>
  );
}
