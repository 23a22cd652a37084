import { useState } from 'preact/hooks';
import type { listAudit } from '../../admin/audit.ts';
import { call, query } from './api.ts';
import { useLoad } from './load.ts';

type AuditPage = Awaited<ReturnType<typeof listAudit>>;

/** Every change made through the API, newest first, in cursor pages. */
export function AuditPage() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const path = `audit${query({ cursor: cursors.at(-1) })}`;
  const audit = useLoad(() => call<AuditPage>(path), path);
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      {audit.error && <p class="error">{audit.error}</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Reason</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {audit.data?.entries.map((e) => (
            <tr key={e.id}>
              <td>{e.at && new Date(e.at).toLocaleString()}</td>
              <td>{e.actor}</td>
              <td>{e.action}</td>
              <td>{e.target ?? '—'}</td>
              <td>{e.reason ?? '—'}</td>
              <td>{e.outcome}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager" aria-label="Audit pages">
        <button
          type="button"
          disabled={cursors.length === 1}
          onClick={() => setCursors(cursors.slice(0, -1))}
        >
          Newer
        </button>
        <button
          type="button"
          disabled={!audit.data?.next_cursor}
          onClick={() => audit.data?.next_cursor && setCursors([...cursors, audit.data.next_cursor])}
        >
          Older
        </button>
      </nav>
    </section>
  );
}
