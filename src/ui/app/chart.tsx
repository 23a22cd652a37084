import type { PerMinute } from '../../admin/throughput.ts';

const WIDTH = 120;
const HEIGHT = 28;

/**
 * Delivered (up) and failed (down) per minute over the last hour as bars in a
 * small SVG; the totals are written beside it, so the chart adds to the words
 * and is never the only way to read them.
 */
export function MinuteChart({ endpoint, minutes }: { endpoint: string; minutes: PerMinute }) {
  const most = Math.max(1, ...minutes.delivered, ...minutes.failed);
  const bar = WIDTH / minutes.delivered.length;
  const middle = HEIGHT / 2;
  const delivered = minutes.delivered.reduce((a, b) => a + b, 0);
  const failed = minutes.failed.reduce((a, b) => a + b, 0);
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width={WIDTH}
        height={HEIGHT}
        role="img"
        aria-label={`${endpoint}: ${delivered} delivered and ${failed} failed in the last hour`}
      >
        <line x1="0" x2={WIDTH} y1={middle} y2={middle} class="axis" />
        {minutes.delivered.map((n, i) =>
          n > 0 ? (
            <rect
              key={`d${i}`}
              class="delivered"
              x={i * bar}
              width={bar}
              y={middle - (n / most) * middle}
              height={(n / most) * middle}
            />
          ) : null,
        )}
        {minutes.failed.map((n, i) =>
          n > 0 ? (
            <rect
              key={`f${i}`}
              class="failed"
              x={i * bar}
              width={bar}
              y={middle}
              height={(n / most) * middle}
            />
          ) : null,
        )}
      </svg>
      <figcaption>
        {delivered} ok · {failed} failed
      </figcaption>
    </figure>
  );
}
