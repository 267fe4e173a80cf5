import { describe, expect, it } from 'vitest';
import { LiveConnection, parseLiveEvent, reconnectDelayMs, type LiveEvent, type LiveStatus, type SocketLike } from './connection';

describe('parseLiveEvent', () => {
  it("reads the contract's messages", () => {
    expect(parseLiveEvent(JSON.stringify({ type: 'task.created', task: { id: 't1', title: 'x' } }))).toEqual({
      kind: 'task',
      action: 'created',
      object: { id: 't1', title: 'x' },
    });
    expect(parseLiveEvent(JSON.stringify({ type: 'budget.deleted', budget: { id: 'b1' } }))?.action).toBe('deleted');
  });

  it('ignores anything else', () => {
    for (const bad of ['not json', '42', '{"type":"task.exploded","task":{"id":"1"}}', '{"type":"user.created","user":{"id":"1"}}', '{"type":"task.created","task":{}}', '{"type":"task.created"}']) {
      expect(parseLiveEvent(bad)).toBeNull();
    }
    expect(parseLiveEvent(new ArrayBuffer(2))).toBeNull();
  });
});

it('waits longer after each failed attempt, up to 30 s', () => {
  expect([0, 1, 2, 3, 4, 5, 6].map(reconnectDelayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
});

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  closedWith: number | undefined;
  constructor(readonly url: string) {}
  close(code?: number) {
    this.closedWith = code;
  }
}

function harness(tokens: (string | null)[]) {
  const sockets: FakeSocket[] = [];
  const timers: { ms: number; callback: () => void }[] = [];
  const events: LiveEvent[] = [];
  const statuses: LiveStatus[] = [];
  const connection = new LiveConnection({
    url: 'ws://127.0.0.1:9001',
    token: async () => (tokens.length > 0 ? (tokens.shift() ?? null) : null),
    onEvent: (event) => events.push(event),
    onStatus: (status) => statuses.push(status),
    open: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    setTimer: (callback, ms) => timers.push({ ms, callback }),
    clearTimer: () => undefined,
  });
  return { connection, sockets, timers, events, statuses };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('LiveConnection', () => {
  it('connects with the token, passes events on, and reconnects with a fresh token after a drop', async () => {
    const { connection, sockets, timers, events, statuses } = harness(['first token', 'second token']);
    connection.start();
    await flush();
    expect(sockets[0]?.url).toBe('ws://127.0.0.1:9001/?token=first%20token');
    sockets[0]?.onopen?.({});
    sockets[0]?.onmessage?.({ data: JSON.stringify({ type: 'expense.updated', expense: { id: 'e1', amount: '1.00' } }) });
    sockets[0]?.onmessage?.({ data: 'garbage' });
    expect(events).toEqual([{ kind: 'expense', action: 'updated', object: { id: 'e1', amount: '1.00' } }]);
    expect(statuses).toEqual(['connecting', 'live']);

    sockets[0]?.onclose?.({});
    expect(statuses.at(-1)).toBe('offline');
    expect(timers.map((t) => t.ms)).toEqual([1000]);
    timers[0]?.callback();
    await flush();
    expect(sockets[1]?.url).toBe('ws://127.0.0.1:9001/?token=second%20token');
  });

  it('backs off while connecting fails, and starts over once a connection opens', async () => {
    const { connection, sockets, timers } = harness(['a', 'b', 'c', 'd']);
    connection.start();
    await flush();
    sockets[0]?.onclose?.({});
    timers[0]?.callback();
    await flush();
    sockets[1]?.onclose?.({});
    expect(timers.map((t) => t.ms)).toEqual([1000, 2000]);
    timers[1]?.callback();
    await flush();
    sockets[2]?.onopen?.({});
    sockets[2]?.onclose?.({});
    expect(timers.map((t) => t.ms)).toEqual([1000, 2000, 1000]);
  });

  it('stops for good when the session has ended, and when stopped', async () => {
    const ended = harness([null]);
    ended.connection.start();
    await flush();
    expect(ended.sockets).toHaveLength(0);
    expect(ended.statuses.at(-1)).toBe('offline');

    const stopped = harness(['a']);
    stopped.connection.start();
    await flush();
    stopped.connection.stop();
    expect(stopped.sockets[0]?.closedWith).toBe(1000);
    expect(stopped.timers).toHaveLength(0);
  });
});
