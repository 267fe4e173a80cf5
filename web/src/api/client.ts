// The one API client: typed by the contract (schema.d.ts, generated from /openapi.json), sending
// the access token from memory and asking for the refresh token as an HttpOnly cookie.
import createClient, { type Middleware } from 'openapi-fetch';
import { TokenKeeper, type Grant } from '../auth/tokens';
import { ApiError, errorFromResponse, networkError } from './errors';
import type { components, paths } from './schema';

export type Client = ReturnType<typeof createClient<paths>>;

interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful call; an ApiError (in the contract's shape) for anything else. */
export async function unwrap<T>(pending: Promise<Outcome<T>>): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = await pending;
  } catch {
    throw networkError();
  }
  if (outcome.response.ok) return outcome.data as T;
  throw errorFromResponse(outcome.response.status, outcome.error, outcome.response.headers);
}

/**
 * The body of /auth/refresh and /auth/logout in cookie mode: the refresh token is the cookie's, so
 * the body leaves `refresh` out. The document describes the body transport, where `refresh` is
 * required (OpenAPI cannot make a field required only without a header), hence the assertion.
 */
export const COOKIE_PRESENTS_REFRESH = {} as components['schemas']['RefreshRequest'];

export const sessionEnded = (): ApiError =>
  new ApiError(401, 'token_not_valid', 'Your session has ended. Please sign in again.');

/** Runs `task` while holding a lock shared by every tab of this origin (where the browser has one). */
async function exclusively<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? locks.request(name, task) : task();
}

export class Api {
  readonly client: Client;
  readonly keeper: TokenKeeper;

  constructor(baseUrl: string) {
    this.client = createClient<paths>({ baseUrl, credentials: 'include' });
    // Refresh tokens rotate, and a refresh token presented twice ends its whole session (reuse
    // detection): tabs that share the cookie must never refresh at the same time.
    this.keeper = new TokenKeeper(() =>
      exclusively('taskmoney-refresh', () =>
        unwrap<Grant>(this.client.POST('/auth/refresh', { body: COOKIE_PRESENTS_REFRESH }) as Promise<Outcome<Grant>>),
      ),
    );
    this.client.use(this.headers());
  }

  /**
   * A call that needs the access token: made with a fresh one, and made once more after a renewal
   * if the API refuses the token (it may have expired on the way, or been renewed by another tab).
   */
  async authed<T>(call: () => Promise<Outcome<T>>): Promise<T> {
    if ((await this.keeper.fresh()) === null) throw sessionEnded();
    try {
      return await unwrap(call());
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
      if ((await this.keeper.renewNow()) === null) throw sessionEnded();
      return unwrap(call());
    }
  }

  private headers(): Middleware {
    const keeper = this.keeper;
    return {
      onRequest({ request }) {
        const path = new URL(request.url).pathname;
        // Only /auth/* reads or sets the refresh-token cookie, and only with this header.
        if (path.startsWith('/auth/')) request.headers.set('X-Token-Transport', 'cookie');
        const token = keeper.token();
        if (token !== null && !request.headers.has('Authorization')) {
          request.headers.set('Authorization', `Bearer ${token}`);
        }
        return request;
      },
    };
  }
}

/** The If-Match value for an object of this version (the API's ETag is the quoted version). */
export const ifMatch = (version: number): string => `"${version}"`;
