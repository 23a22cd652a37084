import { useEffect, useState } from 'preact/hooks';

/** The page the location's hash names: `#/events/<id>` → { page: 'events', id }. */
export interface Location {
  page: string;
  id: string | undefined;
}

function read(): Location {
  const [page, id] = location.hash.replace(/^#\/?/, '').split('/');
  return { page: page || 'endpoints', id: id ? decodeURIComponent(id) : undefined };
}

/** Hash routing: links work with the keyboard and the back button, and the server serves one page. */
export function useLocation(): Location {
  const [where, setWhere] = useState(read);
  useEffect(() => {
    const changed = () => setWhere(read());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return where;
}

export const href = (page: string, id?: string) =>
  `#/${page}${id === undefined ? '' : `/${encodeURIComponent(id)}`}`;
