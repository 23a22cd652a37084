import type { AuditEntry } from './audit-log.ts';

/**
 * Managed objects are kept as their documents, in the YAML file's shape
 * (secrets included: relay needs them to sign), and validated by the config
 * schema whenever they are read into a running config.
 */
export interface ManagedObjects {
  list(): Promise<ManagedObject[]>;
  /**
   * Applies every change and appends the audit entry in one transaction: all
   * of it stands, or none of it. A change with `spec: undefined` deletes.
   * Every other relay sharing the store hears of it once it commits (`watch`).
   */
  apply(changes: readonly ManagedChange[], entry: AuditEntry): Promise<void>;
  /**
   * A digest of every stored object (kind, name, document, times): equal
   * digests, equal objects. One small read, so a backstop may compare it often.
   */
  version(): Promise<string>;
  /**
   * Hints that another relay sharing the store applied a change, as they
   * happen; 'resync' when some may have been missed (the signal connection
   * was re-established). Never the only way a change is found: `version`
   * catches what a lost hint missed. SQLite: never (one relay per file).
   */
  watch(listener: (signal: ManagedSignal) => void): void;
}

export type ManagedSignal = { kind: 'changed' } | { kind: 'resync' };

export type ManagedKind = 'endpoint' | 'route' | 'setting';

export interface ManagedObject {
  kind: ManagedKind;
  name: string;
  spec: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export interface ManagedChange {
  kind: ManagedKind;
  name: string;
  spec: Record<string, unknown> | undefined;
}
