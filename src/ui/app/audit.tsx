import type { listAudit } from '../../admin/audit.ts';
import { call, query } from './api.ts';
import { useLoad } from './load.ts';
import { Pager, useCursors } from './pager.tsx';
import { Head } from './table.tsx';

type AuditPage = Awaited<ReturnType<typeof listAudit>>;

/** Every change made through the API, newest first, in cursor pages. */
export function AuditPage() {
  const cursors = useCursors();
  const path = `audit${query({ cursor: cursors.cursor })}`;
  const audit = useLoad(() => call<AuditPage>(path), path);
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      {audit.error && <p class="error">{audit.error}</p>}
      <table>
        <Head columns={['When', 'Who', 'Action', 'Target', 'Reason', 'Outcome']} />
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
      <Pager label="Audit pages" cursors={cursors} next={audit.data?.next_cursor} />
    </section>
  );
}
