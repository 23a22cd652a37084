import { Head } from './table.tsx';
/**
 * An event's body as a person reads it: JSON indented, a form as a table of
 * fields, other text as it is, and bytes that are not UTF-8 as a hex dump.
 */
export function BodyView({
  body,
  encoding,
  contentType,
}: {
  body: string;
  encoding: string;
  contentType: string | null;
}) {
  if (encoding === 'base64') return <pre class="body hex">{hexDump(body)}</pre>;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') {
    const fields = [...new URLSearchParams(body)];
    return (
      <table class="body">
        <Head columns={['Field', 'Value']} />
        <tbody>
          {fields.map(([name, value], i) => (
            <tr key={i}>
              <th scope="row">{name}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return <pre class="body">{prettyJson(body) ?? body}</pre>;
}

/** Whatever the content type says, a body that parses as JSON is shown as JSON. */
function prettyJson(text: string): string | undefined {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return undefined;
  }
}

function hexDump(base64: string): string {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${text}`);
  }
  return lines.join('\n');
}
