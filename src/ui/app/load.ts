import { useCallback, useEffect, useState } from 'preact/hooks';
import { messageOf } from './api.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  reload: () => void;
}

/** Loads `fetcher()` when `key` changes and on `reload()`; the last answer stays shown while the next loads. */
/** `key` stands for everything `fetcher` reads: a new key loads again. */
export function useLoad<T>(fetcher: () => Promise<T>, key: string): Loaded<T> {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    fetcher().then(
      (answer) => {
        if (!current) return;
        setData(answer);
        setError(undefined);
      },
      (failure: unknown) => current && setError(messageOf(failure)),
    );
    return () => {
      current = false;
    };
  }, [key, round]);
  return { data, error, reload: useCallback(() => setRound((n) => n + 1), []) };
}
