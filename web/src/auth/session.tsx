// Who is signed in, for every screen: starts by renewing through the cookie (so a reload keeps the
// session), and follows sign-in, sign-out and sessions that end elsewhere (another tab signing out,
// a password change, the API refusing the refresh).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Api, COOKIE_PRESENTS_REFRESH, unwrap } from '../api/client';
import { ApiError, asApiError } from '../api/errors';
import type { components } from '../api/schema';
import type { Grant } from './tokens';

export type User = components['schemas']['User'];

export type AuthState =
  | { status: 'starting' }
  | { status: 'unreachable'; error: ApiError }
  | { status: 'signed-out'; notice?: string }
  | { status: 'signed-in'; user: User };

interface Session {
  state: AuthState;
  api: Api;
  signIn(username: string, password: string): Promise<void>;
  /** After a login-like answer (a password change gives a new session): take its token, reload the user. */
  adopt(grant: Grant): Promise<void>;
  signOut(): Promise<void>;
  signOutEverywhere(): Promise<void>;
  /** The account changed (username, email, verification): read it again. */
  reloadUser(): Promise<void>;
  /** The account is gone: forget everything, with a notice for the sign-in page. */
  forget(notice: string): void;
  retry(): void;
}

const SessionContext = createContext<Session | null>(null);

// Tabs of this app tell each other when one signs out, so none keeps showing a dead session.
const CHANNEL = 'taskmoney-session';

export function SessionProvider({ api, children }: { api: Api; children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'starting' });
  const [attempt, setAttempt] = useState(0);
  const channel = useMemo(() => (typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL)), []);

  const loadUser = useCallback(async () => {
    const user = await api.authed(() => api.client.GET('/auth/me'));
    setState({ status: 'signed-in', user });
  }, [api]);

  useEffect(() => {
    let live = true;
    api.keeper
      .renewNow()
      .then(async (token) => {
        if (!live) return;
        if (token === null) setState({ status: 'signed-out' });
        else await loadUser();
      })
      .catch((error: unknown) => live && setState({ status: 'unreachable', error: asApiError(error) }));
    return () => {
      live = false;
    };
  }, [api, loadUser, attempt]);

  useEffect(
    () =>
      api.keeper.subscribe((signedIn) => {
        if (!signedIn) {
          setState((now) =>
            now.status === 'signed-in' ? { status: 'signed-out', notice: 'Your session has ended. Please sign in again.' } : now,
          );
        }
      }),
    [api],
  );

  useEffect(() => {
    if (!channel) return;
    channel.onmessage = (event: MessageEvent) => {
      if (event.data === 'signed-out') {
        api.keeper.clear();
        setState({ status: 'signed-out', notice: 'You signed out in another tab.' });
      } else if (event.data === 'signed-in') {
        setAttempt((n) => n + 1);
      }
    };
    return () => channel.close();
  }, [api, channel]);

  const session = useMemo<Session>(() => {
    const adopt = async (grant: Grant) => {
      api.keeper.accept(grant);
      await loadUser();
    };
    const ended = (notice?: string) => {
      api.keeper.clear();
      setState({ status: 'signed-out', notice });
      channel?.postMessage('signed-out');
    };
    return {
      state,
      api,
      adopt,
      async signIn(username, password) {
        const grant = await unwrap(api.client.POST('/auth/login', { body: { username, password } }));
        await adopt(grant as Grant);
        channel?.postMessage('signed-in');
      },
      async signOut() {
        // The cookie goes with the request; the API ends its session and clears the cookie. A
        // 401 means it had ended already; any other failure leaves the session as it is, and says so.
        await unwrap(api.client.POST('/auth/logout', { body: COOKIE_PRESENTS_REFRESH })).catch((error: unknown) => {
          if (!(error instanceof ApiError && error.status === 401)) throw error;
        });
        ended('You are signed out.');
      },
      async signOutEverywhere() {
        await api.authed(() => api.client.POST('/auth/logout-all'));
        ended('You are signed out on every device.');
      },
      reloadUser: loadUser,
      forget: (notice) => ended(notice),
      retry: () => setAttempt((n) => n + 1),
    };
  }, [api, channel, loadUser, state]);

  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** The signed-in user; only for screens rendered when signed in. */
export function useUser(): User {
  const { state } = useSession();
  if (state.status !== 'signed-in') throw new Error('useUser while not signed in');
  return state.user;
}
