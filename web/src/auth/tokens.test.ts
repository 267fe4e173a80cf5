import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/errors';
import { RETRY_AFTER_FAILURE_MS, TokenKeeper, renewalDelayMs, type Grant, type Timers } from './tokens';

/** A clock and timers the test moves by hand. */
function fakeTime() {
  let now = 1_000_000;
  const pending = new Map<number, { at: number; callback: () => void }>();
  let next = 1;
  const timers: Timers = {
    setTimeout(callback, ms) {
      const handle = next++;
      pending.set(handle, { at: now + ms, callback });
      return handle;
    },
    clearTimeout(handle) {
      pending.delete(handle as number);
    },
  };
  return {
    timers,
    now: () => now,
    /** Moves the clock on, running the timers that come due. */
    advance(ms: number) {
      now += ms;
      for (const [handle, timer] of [...pending]) {
        if (timer.at <= now) {
          pending.delete(handle);
          timer.callback();
        }
      }
    },
    pendingCount: () => pending.size,
  };
}

const grant = (access: string, expires_in = 900): Grant => ({ access, expires_in });
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('renewalDelayMs', () => {
  it('renews a minute before a long-lived token expires, and at 80 % of a short one', () => {
    expect(renewalDelayMs(900)).toBe(840_000);
    expect(renewalDelayMs(120)).toBe(96_000);
    expect(renewalDelayMs(60)).toBe(48_000);
    expect(renewalDelayMs(2)).toBe(5_000);
  });
});

describe('TokenKeeper', () => {
  it('hands out the token until just before it expires, then renews', async () => {
    const time = fakeTime();
    const renew = vi.fn(async () => grant('second'));
    const keeper = new TokenKeeper(renew, time.now, time.timers);
    keeper.accept(grant('first', 60));
    expect(keeper.token()).toBe('first');
    time.now(); // the clock moves only by advance
    await expect(keeper.fresh()).resolves.toBe('first');
    expect(renew).not.toHaveBeenCalled();
    time.advance(48_000); // the planned renewal
    await flush();
    expect(renew).toHaveBeenCalledTimes(1);
    expect(keeper.token()).toBe('second');
  });

  it('does not hand out a token in its last seconds', () => {
    const time = fakeTime();
    const keeper = new TokenKeeper(async () => grant('x'), time.now, { setTimeout: () => 0, clearTimeout: () => undefined });
    keeper.accept(grant('first', 10));
    time.advance(6_000);
    expect(keeper.token()).toBeNull();
  });

  it('renews once for any number of callers at the same time', async () => {
    let release: (value: Grant) => void = () => undefined;
    const renew = vi.fn(() => new Promise<Grant>((resolve) => (release = resolve)));
    const keeper = new TokenKeeper(renew);
    const callers = [keeper.fresh(), keeper.fresh(), keeper.renewNow()];
    release(grant('shared'));
    await expect(Promise.all(callers)).resolves.toEqual(['shared', 'shared', 'shared']);
    expect(renew).toHaveBeenCalledTimes(1);
  });

  it('forgets the session and tells its listeners when the API refuses the refresh', async () => {
    const time = fakeTime();
    const keeper = new TokenKeeper(
      async () => {
        throw new ApiError(401, 'token_not_valid', 'Token is invalid or expired.');
      },
      time.now,
      time.timers,
    );
    const states: boolean[] = [];
    keeper.subscribe((signedIn) => states.push(signedIn));
    keeper.accept(grant('first'));
    await expect(keeper.renewNow()).resolves.toBeNull();
    expect(keeper.signedIn).toBe(false);
    expect(keeper.token()).toBeNull();
    expect(states).toEqual([true, false]);
    expect(time.pendingCount()).toBe(0);
  });

  it('keeps the session through a failure that is not a refusal, and tries again later', async () => {
    const time = fakeTime();
    const renew = vi
      .fn<() => Promise<Grant>>()
      .mockRejectedValueOnce(new ApiError(0, 'network', 'The server cannot be reached.'))
      .mockResolvedValueOnce(grant('again'));
    const keeper = new TokenKeeper(renew, time.now, time.timers);
    keeper.accept(grant('first'));
    await expect(keeper.renewNow()).rejects.toMatchObject({ code: 'network' });
    expect(keeper.signedIn).toBe(true);
    time.advance(RETRY_AFTER_FAILURE_MS);
    await flush();
    expect(renew).toHaveBeenCalledTimes(2);
    expect(keeper.token()).toBe('again');
  });

  it('starts signed out: fresh() renews, and answers null without a session', async () => {
    const keeper = new TokenKeeper(async () => {
      throw new ApiError(401, 'not_authenticated', 'Authentication credentials were not provided.');
    });
    await expect(keeper.fresh()).resolves.toBeNull();
    expect(keeper.signedIn).toBe(false);
  });
});
