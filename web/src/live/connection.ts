// Live updates over the WebSocket: connect with a fresh access token, hand every change event on,
// and reconnect after a drop (with a token renewed if need be) after a growing pause.

export type LiveKind = 'task' | 'expense' | 'budget';
export type LiveAction = 'created' | 'updated' | 'deleted';

export interface LiveEvent {
  kind: LiveKind;
  action: LiveAction;
  /** The object as the API shows it; for a deletion only `{id}`. */
  object: { id: string } & Record<string, unknown>;
}

export type LiveStatus = 'connecting' | 'live' | 'offline';

const KINDS: readonly string[] = ['task', 'expense', 'budget'];
const ACTIONS: readonly string[] = ['created', 'updated', 'deleted'];

/** A message of the socket as a LiveEvent, or null for anything else. */
export function parseLiveEvent(data: unknown): LiveEvent | null {
  if (typeof data !== 'string') return null;
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof message !== 'object' || message === null) return null;
  const { type } = message as { type?: unknown };
  if (typeof type !== 'string') return null;
  const [kind, action] = type.split('.');
  if (kind === undefined || action === undefined || !KINDS.includes(kind) || !ACTIONS.includes(action)) return null;
  const object = (message as Record<string, unknown>)[kind];
  if (typeof object !== 'object' || object === null || typeof (object as { id?: unknown }).id !== 'string') return null;
  return { kind: kind as LiveKind, action: action as LiveAction, object: object as LiveEvent['object'] };
}

/** The pause before reconnect attempt `attempt` (0, 1, ...): 1 s, 2 s, 4 s ... at most 30 s. */
export const reconnectDelayMs = (attempt: number): number => Math.min(30_000, 1_000 * 2 ** attempt);

export interface SocketLike {
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(code?: number): void;
}

export interface LiveOptions {
  url: string;
  /** A usable access token, or null when the session has ended (then it stops trying). */
  token: () => Promise<string | null>;
  onEvent: (event: LiveEvent) => void;
  onStatus: (status: LiveStatus) => void;
  open?: (url: string) => SocketLike;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class LiveConnection {
  private socket: SocketLike | null = null;
  private timer: unknown = undefined;
  private attempt = 0;
  private stopped = false;
  private readonly open: (url: string) => SocketLike;
  private readonly setTimer: (callback: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly options: LiveOptions) {
    this.open = options.open ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.clearTimer = options.clearTimer ?? ((handle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000);
    }
    this.options.onStatus('offline');
  }

  private async connect(): Promise<void> {
    this.options.onStatus('connecting');
    let token: string | null;
    try {
      token = await this.options.token();
    } catch {
      this.retry();
      return;
    }
    if (this.stopped) return;
    if (token === null) {
      this.stop();
      return;
    }
    const socket = this.open(`${this.options.url}/?token=${encodeURIComponent(token)}`);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.options.onStatus('live');
    };
    socket.onmessage = (message) => {
      const event = parseLiveEvent(message.data);
      if (event) this.options.onEvent(event);
    };
    socket.onerror = () => undefined; // onclose follows and reconnects
    socket.onclose = () => {
      if (this.socket === socket) this.socket = null;
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    this.options.onStatus('offline');
    const delay = reconnectDelayMs(this.attempt);
    this.attempt += 1;
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      void this.connect();
    }, delay);
  }
}
