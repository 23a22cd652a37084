import type { StreamMessage } from './client.ts';
import type { Ops } from './context.ts';

/**
 * `relay tail [--endpoint E] [--types T] [--json]`: one line per stream
 * message until Ctrl-C or SIGTERM, which end it cleanly (exit 0). A stream
 * the server ends is a failure: relay stopped, or dropped this reader.
 */
export async function tail(ops: Ops, flags: { endpoint?: string; types?: string }): Promise<void> {
  const params = new URLSearchParams();
  if (flags.endpoint) params.set('endpoint', flags.endpoint);
  if (flags.types) params.set('types', flags.types);
  const path = `/admin/stream${params.size > 0 ? `?${params}` : ''}`;
  const stop = new AbortController();
  const abort = () => stop.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  try {
    await ops.client.stream(
      path,
      (message) => ops.print(ops.json ? JSON.stringify(message) : line(message)),
      stop.signal,
      // On stderr, so that stdout holds only the messages, for a pipe.
      () => process.stderr.write(`relay: following ${path} (Ctrl-C stops)\n`),
    );
  } finally {
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
  }
}

/** A message as one readable line: its time of arrival, its type, then what happened. */
function line(message: StreamMessage, at = new Date()): string {
  const d = message.data;
  const text = (value: unknown) => String(value ?? '-');
  let what: string;
  switch (message.event) {
    case 'event.received': {
      const to = (d.endpoints as string[] | undefined) ?? [];
      what = `${text(d.event_id)} ${text(d.source)}/${text(d.type)} → ${to.length > 0 ? to.join(', ') : '(no route)'}`;
      break;
    }
    case 'delivery.attempted':
      what = `${text(d.endpoint)} delivery ${text(d.delivery_id)} (${text(d.event_id)}) attempt ${text(d.attempt)}: ${text(d.status ?? d.error)} in ${text(d.duration_ms)} ms`;
      break;
    case 'delivery.completed': {
      const next = d.next_attempt_at
        ? ` at ${text(d.next_attempt_at)}`
        : d.paused_until
          ? ` until ${text(d.paused_until)}`
          : '';
      what = `${text(d.endpoint)} delivery ${text(d.delivery_id)} (${text(d.event_id)}): ${text(d.result)}${next}`;
      break;
    }
    case 'endpoint.state':
      what = `${text(d.endpoint)}: ${text(d.from)} → ${text(d.to)} (${text(d.reason)})`;
      break;
    default:
      what = JSON.stringify(d);
  }
  return `${at.toISOString()} ${message.event} ${what}`;
}
