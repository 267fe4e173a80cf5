// The access token lives here, in memory only: never in storage, never in a cookie a script can read.
// The refresh token is an HttpOnly cookie that only the API sees; `renew` asks the API to rotate it
// and answers a fresh access token. The keeper renews before the access token expires, once at a
// time however many callers ask, and forgets everything when the API says the session has ended.
import { ApiError } from '../api/errors';

/** What a login or a refresh answers in cookie mode: the token pair without `refresh`. */
export interface Grant {
  access: string;
  expires_in: number;
}

export type Renew = () => Promise<Grant>;

/** A token this close to its expiry is not handed out any more: it could expire on its way. */
const EXPIRY_MARGIN_MS = 5_000;
/** After a renewal failed for a reason other than an ended session (network, 5xx), try again then. */
export const RETRY_AFTER_FAILURE_MS = 15_000;

/** When to renew a token that lives `expiresInSeconds`: a minute early, or at 80 % of a short life. */
export function renewalDelayMs(expiresInSeconds: number): number {
  const seconds = Math.max(5, expiresInSeconds - 60, expiresInSeconds * 0.8);
  return Math.round(seconds * 1000);
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class TokenKeeper {
  private access: string | null = null;
  private expiresAt = 0;
  private timer: unknown = undefined;
  private inFlight: Promise<string | null> | null = null;
  private readonly listeners = new Set<(signedIn: boolean) => void>();

  constructor(
    private readonly renew: Renew,
    private readonly now: () => number = Date.now,
    private readonly timers: Timers = realTimers,
  ) {}

  get signedIn(): boolean {
    return this.access !== null;
  }

  /** Takes the access token of a login, a refresh or a password change, and plans its renewal. */
  accept(grant: Grant): void {
    const wasSignedIn = this.signedIn;
    this.access = grant.access;
    this.expiresAt = this.now() + grant.expires_in * 1000;
    this.schedule(renewalDelayMs(grant.expires_in));
    if (!wasSignedIn) this.notify();
  }

  /** The access token if it is still good for a few seconds, else null (without renewing). */
  token(): string | null {
    return this.access !== null && this.now() < this.expiresAt - EXPIRY_MARGIN_MS ? this.access : null;
  }

  /** A usable access token, renewed first if needed; null when the session has ended. */
  async fresh(): Promise<string | null> {
    return this.token() ?? this.renewNow();
  }

  /**
   * Renews now (one renewal at a time: concurrent callers share it). Answers null and forgets the
   * session when the API refuses the refresh (401); other failures are thrown, and the keeper
   * tries again a little later while it still holds a session.
   */
  renewNow(): Promise<string | null> {
    this.inFlight ??= this.renew()
      .then((grant) => {
        this.accept(grant);
        return grant.access;
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 401) {
          this.clear();
          return null;
        }
        if (this.signedIn) this.schedule(RETRY_AFTER_FAILURE_MS);
        throw error;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  /** Forgets the session (sign-out, or the API said it ended). */
  clear(): void {
    const wasSignedIn = this.signedIn;
    this.access = null;
    this.expiresAt = 0;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (wasSignedIn) this.notify();
  }

  /** Called with the new state whenever the keeper signs in or out. */
  subscribe(listener: (signedIn: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      // A failure here is retried by renewNow itself; a 401 signs out through the listeners.
      this.renewNow().catch(() => undefined);
    }, ms);
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.signedIn);
  }
}
