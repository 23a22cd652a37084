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
