import { useState } from 'preact/hooks';
import type { listEvents } from '../../admin/events.ts';
import { deliveryStates } from '../../store/store.ts';
import { call, query } from './api.ts';
import { useLoad } from './load.ts';
import { href } from './route.ts';
import { StateWord } from './state.tsx';
import { useStream } from './stream.ts';

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
  // The cursors of the pages before this one, so "Newer" can go back.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const path = `events${query({ ...filters, cursor })}`;
  const events = useLoad(() => call<EventPage>(path), path);
  useStream(['event.received'], () => {
    if (cursor === undefined) events.reload();
  });

  const apply = (event: Event) => {
    event.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
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
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Event</th>
            <th scope="col">Source</th>
            <th scope="col">Type</th>
            <th scope="col">Size</th>
            <th scope="col">Deliveries</th>
          </tr>
        </thead>
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
      <nav class="pager" aria-label="Event pages">
        <button
          type="button"
          disabled={cursors.length === 1}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer
        </button>
        <button
          type="button"
          disabled={!events.data?.next_cursor}
          onClick={() => events.data?.next_cursor && setCursors([...cursors, events.data.next_cursor])}
        >
          Older
        </button>
      </nav>
    </section>
  );
}
