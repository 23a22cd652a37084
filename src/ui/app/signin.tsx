import { useState } from 'preact/hooks';
import { call, messageOf, session, type Whoami } from './api.ts';

/** The token is checked against the API before it is kept, so a typo is said here and not on every page. */
export function SignIn({ onSignedIn }: { onSignedIn: (who: Whoami) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      const who = await call<Whoami>('whoami', { token });
      session.signIn(token);
      onSignedIn(who);
    } catch (failure) {
      setError(messageOf(failure));
    }
  };
  return (
    <main class="signin">
      <h1>relay</h1>
      <form onSubmit={submit}>
        <label for="token">Admin token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          required
        />
        <button type="submit">Sign in</button>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
      </form>
      <p class="hint">The token is kept in this tab only and forgotten when the tab closes.</p>
    </main>
  );
}
