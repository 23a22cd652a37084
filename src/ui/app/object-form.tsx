import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, messageOf } from './api.ts';

/** One field of a managed object's form: a text, a comma-separated list ('*' for all), or a JSON object. */
export interface Field {
  key: string;
  label: string;
  kind: 'text' | 'list' | 'json';
  hint?: string;
}

/** What the JSON field is called: the keys the form has no field for. */
export const OTHER = 'other';

export type Values = Record<string, string>;

/**
 * A create or edit form for an endpoint or a route. The API's `path: reason`
 * problems are shown beside the field the path starts with (the rest beside
 * the JSON field), and each field points at its problems for screen readers.
 */
export function ObjectForm({
  title,
  fields,
  initial,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  title: string;
  fields: readonly Field[];
  initial: Values;
  submitLabel: string;
  /** Sends the body made of the fields that changed; resolves with a message for the status line. */
  onSubmit: (body: Record<string, unknown>) => Promise<void>;
  onCancel?: () => void;
}) {
  const id = useId();
  const [values, setValues] = useState<Values>(initial);
  const [problems, setProblems] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | undefined>();
  const form = useRef<HTMLFormElement>(null);
  // The button that opened the form is gone: the keyboard's focus moves into the form, not to the page's start.
  useEffect(() => {
    form.current?.querySelector<HTMLElement>('input, textarea')?.focus();
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    setProblems({});
    setError(undefined);
    let body: Record<string, unknown>;
    try {
      body = bodyOf(fields, initial, values);
    } catch (failure) {
      setProblems({ [OTHER]: [messageOf(failure)] });
      return;
    }
    try {
      await onSubmit(body);
    } catch (failure) {
      if (failure instanceof ApiError && failure.problems.length > 0) {
        setProblems(byField(fields, failure.problems));
      } else setError(messageOf(failure));
    }
  };

  return (
    <form ref={form} class="object-form" onSubmit={submit} aria-label={title}>
      <h3>{title}</h3>
      {fields.map((field) => {
        const input = `${id}-${field.key}`;
        const mine = problems[field.key] ?? [];
        const described = mine.length > 0 ? `${input}-problems` : undefined;
        const common = {
          id: input,
          name: field.key,
          value: values[field.key] ?? '',
          'aria-invalid': mine.length > 0 ? ('true' as const) : undefined,
          'aria-describedby': described,
          onInput: (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) =>
            setValues({ ...values, [field.key]: e.currentTarget.value }),
        };
        return (
          <div class="field" key={field.key}>
            <label for={input}>{field.label}</label>
            {field.kind === 'json' ? <textarea rows={4} {...common} /> : <input {...common} />}
            {field.hint && <span class="hint">{field.hint}</span>}
            {described && (
              <ul id={described} class="problems">
                {mine.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            )}
          </div>
        );
      })}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit">{submitLabel}</button>
      {onCancel && (
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      )}
    </form>
  );
}

/** The body: each field that differs from `initial` (all of them for a new object), the JSON field's keys merged in. */
function bodyOf(fields: readonly Field[], initial: Values, values: Values): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    const value = (values[field.key] ?? '').trim();
    if (field.kind === 'json') {
      if (!value) continue;
      const parsed: unknown = JSON.parse(value);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new Error(`${field.label} must be a JSON object`);
      }
      Object.assign(body, parsed);
      continue;
    }
    if (value === (initial[field.key] ?? '').trim() && initial[field.key] !== undefined) continue;
    if (!value) continue;
    body[field.key] =
      field.kind === 'list' && value !== '*'
        ? value
            .split(',')
            .map((v) => v.trim())
            .filter(Boolean)
        : value;
  }
  return body;
}

/** `url: must be …` goes beside the url field; a path no field owns goes beside the JSON field. */
function byField(fields: readonly Field[], problems: readonly string[]): Record<string, string[]> {
  const keys = new Set(fields.filter((f) => f.kind !== 'json').map((f) => f.key));
  const grouped: Record<string, string[]> = {};
  for (const problem of problems) {
    const head = /^[^.[:]+/.exec(problem)?.[0] ?? '';
    const key = keys.has(head) ? head : OTHER;
    grouped[key] = [...(grouped[key] ?? []), problem];
  }
  return grouped;
}
