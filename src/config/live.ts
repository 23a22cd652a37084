import { type ManagedSpec, type Origin, originOf, withManaged } from './managed.ts';
import type { RelayConfig } from './schema.ts';

/** One change to a managed object: its new document, or undefined to delete it. */
export interface ManagedEdit {
  kind: ManagedSpec['kind'];
  name: string;
  spec: Record<string, unknown> | undefined;
}

/**
 * The config relay runs on: the file's, plus the endpoints and routes made
 * through the admin API. Changes through the API are serialized: each is
 * validated against the running config, stored, and only then made current,
 * so a change that fails at any step leaves nothing of itself behind.
 */
export class LiveConfig {
  private fileConfig: RelayConfig;
  private objects: ManagedSpec[];
  private effective: RelayConfig;
  private queue: Promise<unknown> = Promise.resolve();

  /** Throws a ConfigError when the stored objects no longer fit the file (a name now in both). */
  constructor(file: RelayConfig, managed: readonly ManagedSpec[]) {
    this.fileConfig = file;
    this.objects = [...managed];
    this.effective = withManaged(file, this.objects);
  }

  get config(): RelayConfig {
    return this.effective;
  }

  get file(): RelayConfig {
    return this.fileConfig;
  }

  get managed(): readonly ManagedSpec[] {
    return this.objects;
  }

  origin(kind: 'endpoint' | 'route', name: string): Origin {
    return originOf(this.objects, kind, name);
  }

  /**
   * Validates the running config with `edits` applied (a ConfigError lists
   * every problem), then `persist`s them, then makes the result current and
   * returns it. One change at a time, in the order they came.
   */
  change(edits: readonly ManagedEdit[], persist: () => Promise<void>): Promise<RelayConfig> {
    const run = this.queue.then(async () => {
      const objects = applyEdits(this.objects, edits);
      const next = withManaged(this.fileConfig, objects);
      await persist();
      this.objects = objects;
      this.effective = next;
      return next;
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Makes the managed objects as `load` reads them from the store current
   * (another relay changed them), in the same queue as `change`: `load` runs
   * only once every change before it is stored, so it never reads what a
   * change of this relay is about to replace. Resolves with the new config,
   * or undefined when the objects are those running already (this relay's
   * own change read back). Throws a ConfigError, changing nothing, when they
   * do not fit the file (a name in both).
   */
  adoptManaged(load: () => Promise<readonly ManagedSpec[]>): Promise<RelayConfig | undefined> {
    const run = this.queue.then(async () => {
      const objects = [...(await load())];
      if (sameObjects(objects, this.objects)) return undefined;
      const next = withManaged(this.fileConfig, objects);
      this.objects = objects;
      this.effective = next;
      return next;
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /** The config a new file would give with today's managed objects; throws a ConfigError. Nothing changes yet. */
  withFile(file: RelayConfig): RelayConfig {
    return withManaged(file, this.objects);
  }

  /** Makes a new file's config current (after `withFile` accepted it). */
  adoptFile(file: RelayConfig, effective: RelayConfig): void {
    this.fileConfig = file;
    this.effective = effective;
  }
}

/** The managed objects after `edits`: changed in place, new ones at the end, deleted ones gone. */
export function applyEdits(objects: readonly ManagedSpec[], edits: readonly ManagedEdit[]): ManagedSpec[] {
  let next = [...objects];
  for (const edit of edits) {
    const same = (o: ManagedSpec) => o.kind === edit.kind && o.name === edit.name;
    const at = next.findIndex(same);
    if (edit.spec === undefined) {
      next = next.filter((o) => !same(o));
    } else if (at === -1) {
      next.push({ kind: edit.kind, name: edit.name, spec: edit.spec });
    } else {
      next[at] = { kind: edit.kind, name: edit.name, spec: edit.spec };
    }
  }
  return next;
}

/** The same objects in the same order, whatever order their documents' keys come in (PostgreSQL's jsonb sorts them). */
function sameObjects(a: readonly ManagedSpec[], b: readonly ManagedSpec[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (object, i) =>
        object.kind === b[i]!.kind &&
        object.name === b[i]!.name &&
        canonical(object.spec) === canonical(b[i]!.spec),
    )
  );
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}
