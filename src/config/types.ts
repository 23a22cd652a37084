import type { PresetName } from './presets/index.ts';

export interface Address {
  host: string;
  port: number;
}
export type Scalar = string | number | boolean | null;
export type FilterCondition =
  | { op: 'eq'; value: Scalar }
  | { op: 'in'; values: Scalar[] }
  | { op: 'not'; value: Scalar }
  | { op: 'exists'; value: boolean }
  | { op: 'prefix'; value: string };
export type VerifyConfig =
  | { scheme: 'header'; header: string; secrets: string[] }
  | { scheme: 'body_field'; field: string; secrets: string[] }
  | { scheme: 'standard-webhooks'; secrets: string[] }
  | { scheme: 'hmac-sha256'; header: string; secrets: string[] }
  | { scheme: 'bearer'; secrets: string[] }
  | { scheme: 'query'; param: string; secrets: string[] };
export type SigningConfig =
  | { scheme: 'standard-webhooks'; secrets: string[] }
  | { scheme: 'hmac-sha256'; header: string; secrets: string[] }
  | { scheme: 'header'; header: string; secrets: string[] }
  | { scheme: 'body_field'; field: string; secrets: string[] };
export type FieldTypeRule = {
  kind: 'field';
  field: string;
  map: Record<string, string>;
  default: string | undefined;
};
export type TypeRule =
  /** `fallback`: where the URL names no type, the payload does. */
  | { kind: 'path'; fallback: FieldTypeRule | undefined }
  | FieldTypeRule
  | { kind: 'header'; header: string }
  | { kind: 'constant'; value: string };
export type KeyRule = { kind: 'fields'; fields: string[] } | { kind: 'header'; header: string };
/** `by_type`: each type has its own key (a type not listed is never deduplicated). */
export type IdRule = KeyRule | { kind: 'by_type'; rules: Record<string, KeyRule> };
export interface Sample {
  type: string;
  body: string;
  content_type: string;
}
export interface SourceConfig {
  name: string;
  /** The provider preset that filled in what the file does not say itself. */
  preset: PresetName | undefined;
  verify: VerifyConfig | undefined;
  type: TypeRule;
  id: IdRule | undefined;
  response: { status: number; body: string | undefined; content_type: string | undefined } | undefined;
  accept: string[] | undefined;
  /** What the admin "test" button sends for this source: typical payloads of the provider. */
  samples: Sample[] | undefined;
}
export interface RetryConfig {
  schedule: number[];
  jitter: number;
  max_age: number;
}
/** `endpoints.<name>.email`: each event is sent as a mail instead of a request. */
export interface EmailConfig {
  /** `smtp://` (STARTTLS when offered) or `smtps://` (implicit TLS), credentials included: a secret. */
  smtp: string;
  from: string;
  to: string[];
  /** `required`: refuse a server that does not offer STARTTLS instead of sending in cleartext. */
  tls: 'required' | 'when_offered';
}
export interface EndpointConfig {
  name: string;
  /** Where deliveries go: the webhook URL, or `mailto:` and the recipients for an e-mail endpoint. */
  url: string;
  email: EmailConfig | undefined;
  timeout: number;
  concurrency: number;
  rate_limit: { perSecond: number } | undefined;
  retry: RetryConfig;
  signing: SigningConfig | undefined;
  headers: Record<string, string>;
  success: number[] | undefined;
  /** 410 Gone: `disable` holds its deliveries until enabled; `remove` deletes it (an API object) and drops them. */
  on_gone: 'disable' | 'remove';
  /** Deliveries with the same key value go one at a time, in the order their events were received. */
  ordering: KeyRule | undefined;
}
/**
 * Deliver only once a key has been seen `count` times within `within` (ms):
 * the event that reaches the count and each later one while it holds, or
 * with `once` only the one that reaches it (Mobiniti's bounce threshold).
 */
export interface ThresholdConfig {
  /** A field path into the payload (`phone_number`). */
  key: string;
  count: number;
  within: number;
  once: boolean;
}

export interface RouteConfig {
  name: string;
  from: string[] | '*';
  types: string[] | '*';
  filter: Record<string, FilterCondition> | undefined;
  to: string[];
  threshold: ThresholdConfig | undefined;
}
/** `read`: GETs and the stream; `operate`: + pause, resume, enable, test, retry, replay, backfill, backlogs; `admin`: + endpoints, routes, webhooks. */
export type AdminRole = 'read' | 'operate' | 'admin';
export const adminRoles: readonly AdminRole[] = ['read', 'operate', 'admin'];

export interface AdminToken {
  name: string;
  token: string;
  role: AdminRole;
}

export interface RelayConfig {
  listen: { ingest: Address; admin: Address };
  storage: {
    backend: 'sqlite' | 'postgres';
    /** SQLite only (for postgres it keeps its default and means nothing). */
    path: string;
    /** PostgreSQL only: postgres://user:pass@host:port/db. */
    url: string | undefined;
    /** PostgreSQL only: connections this relay opens at most. */
    pool: number;
    durability: 'full' | 'normal';
    retention: number;
    dedup_window: number;
    /** Largest size the database may grow to (bytes); past it ingest answers 503. */
    max_size: number | undefined;
  };
  /** PostgreSQL only: how this relay shares the database with others. */
  cluster: {
    /** This relay's name among them; undefined: hostname-pid. */
    instance: string | undefined;
    /** An owner silent this long loses its endpoints to the others. */
    lease: number;
  };
  /**
   * `max_connections`: concurrent ingest connections, past which new ones are closed at once;
   * `header_timeout` / `request_timeout`: how long a client may take to send its headers / whole request.
   */
  limits: {
    body: number;
    max_pending: number;
    min_free_disk: number;
    max_connections: number;
    header_timeout: number;
    request_timeout: number;
  };
  admin: {
    /** One token with every right (`admin.tokens` gives several, each with a role). */
    token: string | undefined;
    tokens: AdminToken[];
    /** Every change through the API needs an `X-Relay-Reason` header (else 400). */
    require_reason: boolean;
    /** The SendBlue-style webhooks API: the header each webhook's secret is sent in. */
    webhooks: { secret_header: string };
  };
  delivery: {
    shutdown_grace: number;
    drain_delay: number;
    require_https: boolean;
    deny_private: boolean;
    /** Networks (CIDR) that `deny_private` still lets deliveries reach, e.g. an internal service subnet. */
    allow_networks: string[];
  };
  sources: Record<string, SourceConfig>;
  endpoints: Record<string, EndpointConfig>;
  routes: RouteConfig[];
}

/** One thing wrong with a config file, at a path into the YAML tree (keys and array indexes). */
export interface Problem {
  path: (string | number)[];
  reason: string;
}

/** What parsing needs from outside: load.ts reads `secret_file`s relative to the config file. */
export interface SchemaContext {
  /** The file's secret, trailing whitespace trimmed; throws with the problem's reason. */
  readSecretFile(file: string): string;
}
