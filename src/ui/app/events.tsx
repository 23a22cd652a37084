import { useState } from 'preact/hooks';
import type { listEvents } from '../../admin/events.ts';
import { deliveryStates } from '../../store/store.ts';
import { call, query } from './api.ts';
import { useLoad } from './load.ts';
import { Pager, useCursors } from './pager.tsx';
import { href } from './route.ts';
import { StateWord } from './state.tsx';
import { useStream } from './stream.ts';
import { Head } from './table.tsx';

type EventPage = Awaited<ReturnType<typeof listEvents>>;

const FILTERS = ['source', 'type', 'state', 'endpoint', 'since'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const none: Filters = { source: '', type: '', state: '', endpoint: '', since: '' };

/**
 * Stored events, newest first, with the API's filters and cursor pages. On
 * the first page, new events appear as the stream announces them; further
 * pages hold still, as their cursors promise.
 */
export function EventsPage() {
  const [draft, setDraft] = useState<Filters>(none);
  const [filters, setFilters] = useState<Filters>(none);
  const cursors = useCursors();
  const cursor = cursors.cursor;
  const path = `events${query({ ...filters, cursor })}`;
  const events = useLoad(() => call<EventPage>(path), path);
  useStream(['event.received'], () => {
    if (cursor === undefined) events.reload();
  });

  const apply = (event: Event) => {
    event.preventDefault();
    setFilters(draft);
    cursors.reset();
  };
  const field = (name: keyof Filters, label: string, placeholder = '') => (
    <label>
      {label}
      <input
        name={name}
        value={draft[name]}
        placeholder={placeholder}
        onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })}
      />
    </label>
  );

  return (
    <section aria-labelledby="events-title">
      <h1 id="events-title">Events</h1>
      <form class="filters" onSubmit={apply} aria-label="Filter events">
        {field('source', 'Source')}
        {field('type', 'Type')}
        <label>
          State
          <select value={draft.state} onChange={(e) => setDraft({ ...draft, state: e.currentTarget.value })}>
            <option value="">any</option>
            {deliveryStates.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {field('endpoint', 'Endpoint')}
        {field('since', 'Since', '30m, 2h, 7d or an ISO time')}
        <button type="submit">Filter</button>
      </form>
      {events.error && (
        <p class="error" role="alert">
          {events.error}
        </p>
      )}
      <table>
        <Head columns={['Received', 'Event', 'Source', 'Type', 'Size', 'Deliveries']} />
        <tbody>
          {events.data?.events.map((e) => (
            <tr key={e.id}>
              <td>{e.received_at && new Date(e.received_at).toLocaleString()}</td>
              <td>
                <a href={href('events', e.id)}>{e.id}</a>
              </td>
              <td>{e.source}</td>
              <td>{e.type}</td>
              <td>{e.size} B</td>
              <td>
                {e.deliveries.map((d) => (
                  <span key={d.id} class="delivery">
                    {d.endpoint} <StateWord state={d.state} />
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.data?.events.length === 0 && <p>No events match.</p>}
      <Pager label="Event pages" cursors={cursors} next={events.data?.next_cursor} />
    </section>
  );
}
