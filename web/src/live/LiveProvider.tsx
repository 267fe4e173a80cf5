// One live connection per signed-in page, shared by every screen through a context.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useSession } from '../auth/session';
import { LiveConnection, type LiveEvent, type LiveKind, type LiveStatus } from './connection';

type Listener = (event: LiveEvent) => void;

interface Live {
  status: LiveStatus;
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<Live | null>(null);

export function LiveProvider({ wsUrl, children }: { wsUrl: string; children: ReactNode }) {
  const { api } = useSession();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const listeners = useRef(new Set<Listener>());

  useEffect(() => {
    const connection = new LiveConnection({
      url: wsUrl,
      token: () => api.keeper.fresh(),
      onEvent: (event) => listeners.current.forEach((listener) => listener(event)),
      onStatus: setStatus,
    });
    connection.start();
    return () => connection.stop();
  }, [api, wsUrl]);

  const live: Live = {
    status,
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  };
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

/** Calls `onEvent` for each live change of the given kinds while the component is shown. */
export function useLiveEvents(kinds: readonly LiveKind[], onEvent: Listener): void {
  const live = useContext(LiveContext);
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const wanted = kinds.join(',');
  useEffect(() => {
    if (!live) return undefined;
    return live.subscribe((event) => {
      if (wanted.split(',').includes(event.kind)) handler.current(event);
    });
  }, [live, wanted]);
}

export function useLiveStatus(): LiveStatus {
  return useContext(LiveContext)?.status ?? 'offline';
}
