import { useEffect, useState } from 'preact/hooks';
import { call, session, type Whoami, whenUnauthorized } from './api.ts';
import { AuditPage } from './audit.tsx';
import { BacklogsPage } from './backlogs.tsx';
import { EndpointsPage } from './endpoints.tsx';
import { EventDetail } from './event-detail.tsx';
import { EventsPage } from './events.tsx';
import { ManagedPage } from './managed.tsx';
import { href, useLocation } from './route.ts';
import { SignIn } from './signin.tsx';

const pages = [
  { page: 'endpoints', title: 'Endpoints' },
  { page: 'events', title: 'Events' },
  { page: 'managed', title: 'Managed' },
  { page: 'backlogs', title: 'Held backlogs' },
  { page: 'audit', title: 'Audit log' },
] as const;

/** The shell: sign-in until the API accepts the token, then the navigation and the page the hash names. */
export function App() {
  const [who, setWho] = useState<Whoami | undefined>();
  const [checking, setChecking] = useState(session.token() !== null);
  const where = useLocation();

  useEffect(() => {
    whenUnauthorized(() => setWho(undefined));
    if (session.token() === null) return;
    call<Whoami>('whoami')
      .then(setWho, () => setWho(undefined))
      .finally(() => setChecking(false));
  }, []);

  if (!who) {
    if (checking) return <main aria-busy="true" />;
    return <SignIn onSignedIn={setWho} />;
  }
  const current = pages.find((p) => p.page === where.page) ?? pages[0];
  return (
    <>
      <header>
        <span class="brand">relay</span>
        <nav aria-label="Pages">
          <ul>
            {pages.map((p) => (
              <li key={p.page}>
                <a href={href(p.page)} aria-current={p.page === current.page ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {who.name} ({who.role})
          <button
            type="button"
            onClick={() => {
              session.signOut();
              setWho(undefined);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>
        <Page page={current.page} id={where.id} who={who} />
      </main>
    </>
  );
}

function Page({ page, id, who }: { page: string; id: string | undefined; who: Whoami }) {
  switch (page) {
    case 'events':
      return id === undefined ? <EventsPage /> : <EventDetail id={id} role={who.role} />;
    case 'managed':
      return <ManagedPage role={who.role} />;
    case 'backlogs':
      return <BacklogsPage role={who.role} />;
    case 'audit':
      return <AuditPage />;
    default:
      return <EndpointsPage role={who.role} />;
  }
}
