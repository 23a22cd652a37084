import { useState } from 'preact/hooks';

/** The cursors of the pages shown so far: the last is the current page's (undefined for the first). */
export function useCursors() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: cursors.at(-1),
    first: cursors.length === 1,
    older: (next: string) => setCursors([...cursors, next]),
    newer: () => setCursors(cursors.slice(0, -1)),
    reset: () => setCursors([undefined]),
  };
}

/** Newer and Older buttons over the API's opaque cursors: pages hold still while new rows arrive. */
export function Pager({
  label,
  cursors,
  next,
}: {
  label: string;
  cursors: ReturnType<typeof useCursors>;
  next: string | undefined;
}) {
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" disabled={cursors.first} onClick={cursors.newer}>
        Newer
      </button>
      <button type="button" disabled={!next} onClick={() => next && cursors.older(next)}>
        Older
      </button>
    </nav>
  );
}
