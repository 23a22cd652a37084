import { useState } from 'preact/hooks';
import type { EndpointView } from '../../admin/endpoints.ts';
import type { TestResult } from '../../admin/test-send.ts';
import type { AdminRole } from '../../config/types.ts';
import { call, may, messageOf } from './api.ts';
import { MinuteChart } from './chart.tsx';
import { useLoad } from './load.ts';
import { ago, duration, StateWord } from './state.tsx';
import { useStream } from './stream.ts';
import { Head } from './table.tsx';

interface ReplayAnswer {
  matched: number;
  requeued: number;
}

const stateAction = { active: 'pause', paused: 'resume', disabled: 'enable' } as const;
const stateLabel = { active: 'Pause', paused: 'Resume', disabled: 'Enable' } as const;

/** What the last button did, said in the status line under the table. */
type Note = { text: string; error?: true } | { replay: string; matched: number };

/** Every endpoint with its queue, its last hour and the operator's buttons (for an `operate` role and up). */
export function EndpointsPage({ role }: { role: AdminRole }) {
  const endpoints = useLoad(() => call<{ endpoints: EndpointView[] }>('endpoints'), 'endpoints');
  const [note, setNote] = useState<Note | undefined>();
  useStream(['delivery.completed', 'endpoint.state'], endpoints.reload);
  const operate = may(role, 'operate');

  const act = async (name: string, action: (typeof stateAction)[keyof typeof stateAction]) => {
    try {
      const view = await call<EndpointView>(`endpoints/${encodeURIComponent(name)}/${action}`, { body: {} });
      setNote({ text: `${name} is ${view.state}` });
    } catch (error) {
      setNote({ text: messageOf(error), error: true });
    }
    endpoints.reload();
  };
  const test = async (name: string) => {
    setNote({ text: `Sending a test event to ${name}…` });
    try {
      const r = await call<TestResult>(`endpoints/${encodeURIComponent(name)}/test`, { body: {} });
      const answer = r.status === null ? (r.error ?? 'no answer') : `HTTP ${r.status}`;
      setNote({
        text: `Test to ${name}: ${r.ok ? 'ok' : 'failed'}, ${answer} in ${r.duration_ms} ms${r.response ? `: ${r.response.slice(0, 200)}` : ''}`,
        ...(r.ok ? {} : { error: true as const }),
      });
    } catch (error) {
      setNote({ text: messageOf(error), error: true });
    }
  };
  const replay = async (name: string, dryRun: boolean) => {
    try {
      const r = await call<ReplayAnswer>(`endpoints/${encodeURIComponent(name)}/replay`, {
        body: { state: 'dead', dry_run: dryRun },
      });
      if (dryRun && r.matched > 0) setNote({ replay: name, matched: r.matched });
      else if (dryRun) setNote({ text: `${name} has no dead deliveries to replay` });
      else setNote({ text: `Requeued ${r.requeued} dead deliveries of ${name}` });
    } catch (error) {
      setNote({ text: messageOf(error), error: true });
    }
    if (!dryRun) endpoints.reload();
  };

  return (
    <section aria-labelledby="endpoints-title">
      <h1 id="endpoints-title">Endpoints</h1>
      {endpoints.error && <p class="error">{endpoints.error}</p>}
      <table>
        <Head
          columns={[
            'Endpoint',
            'State',
            'Circuit',
            'Queue',
            'Oldest pending',
            'Last attempt',
            'Last hour',
            operate && 'Actions',
          ]}
        />
        <tbody>
          {endpoints.data?.endpoints.map((e) => (
            <tr key={e.name}>
              <th scope="row">
                {e.name}
                <div class="sub">{e.url}</div>
              </th>
              <td>
                <StateWord state={e.state} />
              </td>
              <td>
                <StateWord state={e.circuit} />
              </td>
              <td>
                {e.pending} pending · {e.in_flight} in flight · {e.dead} dead
              </td>
              <td>{duration(e.oldest_pending_seconds)}</td>
              <td>
                {e.last_attempt
                  ? `${e.last_attempt.status ?? e.last_attempt.error} · ${e.last_attempt.duration_ms} ms · ${ago(e.last_attempt.at)}`
                  : '—'}
              </td>
              <td>
                <MinuteChart endpoint={e.name} minutes={e.per_minute} />
              </td>
              {operate && (
                <td class="actions">
                  {/* One button whose word follows the state: it keeps the keyboard's focus when Pause becomes Resume. */}
                  <button type="button" onClick={() => act(e.name, stateAction[e.state])}>
                    {stateLabel[e.state]}
                  </button>
                  <button type="button" onClick={() => test(e.name)}>
                    Test
                  </button>
                  <button type="button" onClick={() => replay(e.name, true)}>
                    Replay
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <div role="status" class="note">
        {note && 'text' in note && <p class={note.error ? 'error' : undefined}>{note.text}</p>}
        {note && 'replay' in note && (
          <p>
            {note.matched} dead deliveries of {note.replay} would be requeued.{' '}
            <button type="button" onClick={() => replay(note.replay, false)}>
              Requeue {note.matched}
            </button>{' '}
            <button type="button" onClick={() => setNote(undefined)}>
              Cancel
            </button>
          </p>
        )}
      </div>
    </section>
  );
}
