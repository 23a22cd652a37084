import { useState } from 'preact/hooks';
import type { EndpointView } from '../../admin/endpoints.ts';
import type { RouteView } from '../../admin/route-list.ts';
import type { AdminRole } from '../../config/types.ts';
import { call, may, messageOf } from './api.ts';
import { useLoad } from './load.ts';
import { type Field, ObjectForm, OTHER, type Values } from './object-form.tsx';
import { Head } from './table.tsx';

const endpointFields: readonly Field[] = [
  { key: 'name', label: 'Name', kind: 'text' },
  { key: 'url', label: 'URL', kind: 'text', hint: 'https://… or mailto:…' },
  { key: OTHER, label: 'Other settings (JSON)', kind: 'json', hint: 'e.g. {"concurrency": 4}' },
];

const routeFields: readonly Field[] = [
  { key: 'name', label: 'Name', kind: 'text' },
  { key: 'from', label: 'From sources', kind: 'list', hint: 'comma-separated, or *' },
  { key: 'types', label: 'Event types', kind: 'list', hint: 'comma-separated, or *' },
  { key: 'to', label: 'To endpoints', kind: 'list', hint: 'comma-separated' },
  { key: OTHER, label: 'Other settings (JSON)', kind: 'json', hint: 'e.g. {"filter": …}' },
];

type Kind = 'endpoints' | 'routes';
type Editing = { kind: Kind; name: string | undefined } | undefined;

const listText = (value: string[] | '*') => (value === '*' ? '*' : value.join(', '));

/**
 * Endpoints and routes made through the API: created, changed (only the
 * fields that changed are sent, so a masked URL is never written back) and
 * deleted. The config file's own are listed as read-only.
 */
export function ManagedPage({ role }: { role: AdminRole }) {
  const endpoints = useLoad(() => call<{ endpoints: EndpointView[] }>('endpoints'), 'endpoints');
  const routes = useLoad(() => call<{ routes: RouteView[] }>('routes'), 'routes');
  const [editing, setEditing] = useState<Editing>();
  const [note, setNote] = useState<string | undefined>();
  const admin = may(role, 'admin');

  const save = async (kind: Kind, name: string | undefined, body: Record<string, unknown>) => {
    if (name === undefined) await call(kind, { method: 'POST', body });
    else await call(`${kind}/${encodeURIComponent(name)}`, { method: 'PATCH', body });
    setNote(`${kind === 'endpoints' ? 'Endpoint' : 'Route'} ${name ?? String(body.name)} saved`);
    setEditing(undefined);
    endpoints.reload();
    routes.reload();
  };
  const remove = async (kind: Kind, name: string) => {
    if (!confirm(`Delete ${kind === 'endpoints' ? 'endpoint' : 'route'} ${name}?`)) return;
    try {
      await call(`${kind}/${encodeURIComponent(name)}`, { method: 'DELETE' });
      setNote(`${name} deleted`);
    } catch (error) {
      setNote(messageOf(error));
    }
    endpoints.reload();
    routes.reload();
  };
  const form = (kind: Kind, initial: Values) => (
    <ObjectForm
      title={`${editing?.name === undefined ? 'New' : 'Edit'} ${kind === 'endpoints' ? 'endpoint' : 'route'}`}
      fields={kind === 'endpoints' ? endpointFields : routeFields}
      initial={initial}
      submitLabel={editing?.name === undefined ? 'Create' : 'Save'}
      onSubmit={(body) => save(kind, editing?.name, body)}
      onCancel={() => setEditing(undefined)}
    />
  );
  const actions = (kind: Kind, name: string, origin: string) =>
    admin && origin === 'api' ? (
      <td class="actions">
        <button type="button" aria-label={`Edit ${name}`} onClick={() => setEditing({ kind, name })}>
          Edit
        </button>
        <button type="button" aria-label={`Delete ${name}`} onClick={() => remove(kind, name)}>
          Delete
        </button>
      </td>
    ) : (
      <td>{origin === 'file' ? 'config file' : ''}</td>
    );

  const endpointBeingEdited = endpoints.data?.endpoints.find((e) => e.name === editing?.name);
  const routeBeingEdited = routes.data?.routes.find((r) => r.name === editing?.name);
  return (
    <section aria-labelledby="managed-title">
      <h1 id="managed-title">Managed endpoints and routes</h1>
      <p role="status">{note}</p>
      <h2>Endpoints</h2>
      <table>
        <Head columns={['Name', 'URL', 'Manage']} />
        <tbody>
          {endpoints.data?.endpoints.map((e) => (
            <tr key={e.name}>
              <th scope="row">{e.name}</th>
              <td>{e.url}</td>
              {actions('endpoints', e.name, e.origin)}
            </tr>
          ))}
        </tbody>
      </table>
      {admin && editing?.kind !== 'endpoints' && (
        <button type="button" onClick={() => setEditing({ kind: 'endpoints', name: undefined })}>
          New endpoint
        </button>
      )}
      {editing?.kind === 'endpoints' &&
        form(
          'endpoints',
          endpointBeingEdited ? { name: endpointBeingEdited.name, url: endpointBeingEdited.url } : {},
        )}
      <h2>Routes</h2>
      <table>
        <Head columns={['Name', 'From', 'Types', 'To', 'Manage']} />
        <tbody>
          {routes.data?.routes.map((r) => (
            <tr key={r.name}>
              <th scope="row">{r.name}</th>
              <td>{listText(r.from)}</td>
              <td>{listText(r.types)}</td>
              <td>{r.to.join(', ')}</td>
              {actions('routes', r.name, r.origin)}
            </tr>
          ))}
        </tbody>
      </table>
      {admin && editing?.kind !== 'routes' && (
        <button type="button" onClick={() => setEditing({ kind: 'routes', name: undefined })}>
          New route
        </button>
      )}
      {editing?.kind === 'routes' &&
        form(
          'routes',
          routeBeingEdited
            ? {
                name: routeBeingEdited.name,
                from: listText(routeBeingEdited.from),
                types: listText(routeBeingEdited.types),
                to: routeBeingEdited.to.join(', '),
              }
            : {},
        )}
    </section>
  );
}
