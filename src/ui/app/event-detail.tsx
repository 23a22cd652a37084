import { useState } from 'preact/hooks';
import type { retryDelivery } from '../../admin/deliveries.ts';
import type { showEvent } from '../../admin/events.ts';
import type { AdminRole } from '../../config/types.ts';
import { call, may, messageOf } from './api.ts';
import { BodyView } from './body-view.tsx';
import { useLoad } from './load.ts';
import { href } from './route.ts';
import { StateWord } from './state.tsx';
import { useStream } from './stream.ts';
import { Head } from './table.tsx';

type EventDetailAnswer = Awaited<ReturnType<typeof showEvent>>;
type RetryAnswer = Awaited<ReturnType<typeof retryDelivery>>;

/** One event: its body, and each delivery with every attempt; Retry for an `operate` role and up. */
export function EventDetail({ id, role }: { id: string; role: AdminRole }) {
  const event = useLoad(() => call<EventDetailAnswer>(`events/${encodeURIComponent(id)}`), id);
  const [note, setNote] = useState<string | undefined>();
  useStream(['delivery.completed'], event.reload);

  const retry = async (delivery: number) => {
    try {
      const r = await call<RetryAnswer>(`deliveries/${delivery}/retry`, { body: {} });
      setNote(`Delivery ${delivery}: ${r.action}`);
    } catch (error) {
      setNote(messageOf(error));
    }
    event.reload();
  };

  const e = event.data;
  return (
    <section aria-labelledby="event-title">
      <p>
        <a href={href('events')}>← Events</a>
      </p>
      <h1 id="event-title">Event {id}</h1>
      {event.error && (
        <p class="error" role="alert">
          {event.error}
        </p>
      )}
      {e && (
        <>
          <dl class="facts">
            <dt>Source</dt>
            <dd>{e.source}</dd>
            <dt>Type</dt>
            <dd>{e.type}</dd>
            <dt>Received</dt>
            <dd>{e.received_at}</dd>
            <dt>Content type</dt>
            <dd>{e.content_type ?? '—'}</dd>
            <dt>Size</dt>
            <dd>{e.size} bytes</dd>
          </dl>
          <h2>Body</h2>
          <BodyView body={e.body} encoding={e.body_encoding} contentType={e.content_type} />
          <h2>Deliveries</h2>
          <p role="status">{note}</p>
          {e.deliveries.map((d) => (
            <article key={d.id} class="delivery-detail" aria-labelledby={`delivery-${d.id}`}>
              <h3 id={`delivery-${d.id}`}>
                {d.endpoint} <StateWord state={d.state} />
              </h3>
              <p>
                Delivery {d.id} · {d.attempt_count} attempts
                {d.next_attempt_at && ` · next at ${d.next_attempt_at}`}
                {d.finished_at && ` · finished at ${d.finished_at}`}
                {may(role, 'operate') && d.state !== 'in_flight' && (
                  <>
                    {' '}
                    <button type="button" onClick={() => retry(d.id)}>
                      Retry
                    </button>
                  </>
                )}
              </p>
              <table>
                <caption>Attempts to {d.endpoint}</caption>
                <Head columns={['#', 'Started', 'Status', 'Duration', 'Answer']} />
                <tbody>
                  {d.attempts.map((a) => (
                    <tr key={a.n}>
                      <td>{a.n}</td>
                      <td>{a.started_at}</td>
                      <td>{a.status ?? a.error}</td>
                      <td>{a.duration_ms} ms</td>
                      <td>
                        <code>{a.response ?? ''}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </article>
          ))}
        </>
      )}
    </section>
  );
}
