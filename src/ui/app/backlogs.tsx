import { useState } from 'preact/hooks';
import type { listBacklogs } from '../../admin/backlogs.ts';
import type { EndpointView } from '../../admin/endpoints.ts';
import type { AdminRole } from '../../config/types.ts';
import { call, may, messageOf } from './api.ts';
import { useLoad } from './load.ts';
import { duration } from './state.tsx';
import { Head } from './table.tsx';

type Backlogs = Awaited<ReturnType<typeof listBacklogs>>;

/** Deliveries held for endpoints the config no longer names: moved to another endpoint, or dropped. */
export function BacklogsPage({ role }: { role: AdminRole }) {
  const backlogs = useLoad(() => call<Backlogs>('backlogs'), 'backlogs');
  const endpoints = useLoad(() => call<{ endpoints: EndpointView[] }>('endpoints'), 'endpoints');
  const [targets, setTargets] = useState<Record<string, string>>({});
  const [note, setNote] = useState<string | undefined>();
  const operate = may(role, 'operate');
  const names = endpoints.data?.endpoints.map((e) => e.name) ?? [];

  const act = async (name: string, action: 'move' | 'drop') => {
    try {
      if (action === 'move') {
        const to = targets[name] ?? names[0];
        const r = await call<{ moved: number; dropped: number }>(
          `backlogs/${encodeURIComponent(name)}/move`,
          {
            body: { to },
          },
        );
        setNote(`Moved ${r.moved} deliveries of ${name} to ${to} (${r.dropped} already there, dropped)`);
      } else {
        if (!confirm(`Drop the held deliveries of ${name}?`)) return;
        const r = await call<{ dropped: number }>(`backlogs/${encodeURIComponent(name)}/drop`, { body: {} });
        setNote(`Dropped ${r.dropped} deliveries of ${name}`);
      }
    } catch (error) {
      setNote(messageOf(error));
    }
    backlogs.reload();
  };

  return (
    <section aria-labelledby="backlogs-title">
      <h1 id="backlogs-title">Held backlogs</h1>
      <p role="status">{note}</p>
      {backlogs.error && <p class="error">{backlogs.error}</p>}
      {backlogs.data?.backlogs.length === 0 && <p>No deliveries are held.</p>}
      {backlogs.data && backlogs.data.backlogs.length > 0 && (
        <table>
          <Head columns={['Endpoint (gone)', 'Pending', 'In flight', 'Oldest', operate && 'Actions']} />
          <tbody>
            {backlogs.data.backlogs.map((b) => (
              <tr key={b.endpoint}>
                <th scope="row">{b.endpoint}</th>
                <td>{b.pending}</td>
                <td>{b.in_flight}</td>
                <td>{duration(b.oldest_pending_seconds)}</td>
                {operate && (
                  <td class="actions">
                    <label>
                      to{' '}
                      <select
                        aria-label={`Move ${b.endpoint} to`}
                        value={targets[b.endpoint] ?? names[0]}
                        onChange={(e) => setTargets({ ...targets, [b.endpoint]: e.currentTarget.value })}
                      >
                        {names.map((n) => (
                          <option key={n}>{n}</option>
                        ))}
                      </select>
                    </label>
                    <button
                      type="button"
                      onClick={() => act(b.endpoint, 'move')}
                      disabled={names.length === 0}
                    >
                      Move
                    </button>
                    <button type="button" onClick={() => act(b.endpoint, 'drop')}>
                      Drop
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
