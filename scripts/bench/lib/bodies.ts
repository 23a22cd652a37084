/**
 * Request bodies of realistic sizes: SendBlue-like JSON messages, nine in ten
 * of 0.7–1.4 KiB and one in ten of 16 KiB (a message with a long text or
 * inline media metadata). Each body starts with the time it was sent,
 * `{"t":<epoch ms>,"type":"...",` so a target can measure received → delivered
 * by reading the first bytes only.
 */
const TEMPLATES = 100;
const LARGE_EVERY = 10;
const LARGE_BYTES = 16 * 1024;

const tails: Buffer[] = [];
for (let k = 0; k < TEMPLATES; k++) {
  const size = k % LARGE_EVERY === 3 ? LARGE_BYTES : 700 + ((k * 389) % 700);
  const fields = {
    is_outbound: false,
    status: 'RECEIVED',
    message_handle: `0000${k.toString(16).padStart(4, '0')}-5e4f-4c1a-9d7b-${(k * 7919).toString(16).padStart(12, '0')}`,
    date_sent: '2026-09-10T06:15:05.962Z',
    from_number: `+1999888${(7000 + k).toString()}`,
    to_number: '+15122164639',
    media_url: '',
    content: '',
  };
  const skeleton = JSON.stringify(fields).slice(1);
  // Pad the message text so the whole body (with a typical prefix) is `size` bytes.
  fields.content = 'Hello from the benchmark. '
    .repeat(Math.ceil(size / 26))
    .slice(0, Math.max(0, size - skeleton.length - 40));
  tails.push(Buffer.from(JSON.stringify(fields).slice(1)));
}

/** The body of request `i`, of event type `type` (ASCII), stamped with `sentAt` (epoch ms). */
export function body(i: number, type: string, sentAt: number): Buffer {
  const head = `{"t":${sentAt.toFixed(3)},"type":"${type}",`;
  const tail = tails[i % TEMPLATES]!;
  const out = Buffer.allocUnsafe(head.length + tail.length);
  out.write(head, 0, 'latin1');
  tail.copy(out, head.length);
  return out;
}

/** The mean body size in bytes, for the report. */
export function meanBodyBytes(): number {
  let total = 0;
  for (let k = 0; k < TEMPLATES; k++) total += body(k, 'receive', Date.now()).length;
  return Math.round(total / TEMPLATES);
}

/** The send time stamped into a body's first bytes, or NaN. */
export function sentAtOf(firstChunk: Buffer): number {
  if (firstChunk[0] !== 0x7b || firstChunk[2] !== 0x74) return Number.NaN; // {"t
  const end = firstChunk.indexOf(0x2c, 5); // ,
  return end < 0 ? Number.NaN : Number(firstChunk.toString('latin1', 5, end));
}
