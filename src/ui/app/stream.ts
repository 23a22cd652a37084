import { useEffect, useRef } from 'preact/hooks';
import { session } from './api.ts';

/** The event names `GET /admin/stream` sends (README, "Live stream"). */
export type StreamEvent = 'event.received' | 'delivery.attempted' | 'delivery.completed' | 'endpoint.state';

type Listener = (event: string) => void;

const listeners = new Set<Listener>();
let connection: AbortController | undefined;

/**
 * One Server-Sent Events connection for the tab, read through fetch because
 * EventSource cannot send the bearer. A relay without the stream (404) or a
 * refused one leaves the page as it is: nothing polls in its place.
 */
function connect(): void {
  const token = session.token();
  if (connection || !token) return;
  const controller = new AbortController();
  connection = controller;
  read(token, controller.signal).catch(() => {
    // A dropped stream is not retried: the page still works, it only stops updating by itself.
  });
}

async function read(token: string, signal: AbortSignal): Promise<void> {
  const res = await fetch('/admin/stream', {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal,
  });
  if (!res.ok || !res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      dispatch(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
    }
  }
}

function dispatch(block: string): void {
  // The pages reload what they show, so only the event's name matters here.
  const line = block.split('\n').find((l) => l.startsWith('event:'));
  if (!line) return;
  const event = line.slice(6).trim();
  for (const listener of listeners) listener(event);
}

const COALESCE_MS = 500;

/**
 * Calls `onEvent` when the stream sends one of `events` while the component
 * is shown, at most every half second: a busy relay sends hundreds a second,
 * and each call reloads a page's data.
 */
export function useStream(events: readonly StreamEvent[], onEvent: () => void): void {
  const latest = useRef(onEvent);
  latest.current = onEvent;
  const names = events.join(',');
  useEffect(() => {
    const wanted = new Set(names.split(','));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const listener: Listener = (event) => {
      if (!wanted.has(event) || timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        latest.current();
      }, COALESCE_MS);
    };
    listeners.add(listener);
    connect();
    return () => {
      clearTimeout(timer);
      listeners.delete(listener);
      if (listeners.size === 0) {
        connection?.abort();
        connection = undefined;
      }
    };
  }, [names]);
}
