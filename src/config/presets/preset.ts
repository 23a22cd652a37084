/**
 * A provider preset: the source keys a provider's documented behaviour
 * implies, written as relay.yaml takes them, so the schema checks them like
 * keys the operator wrote (and the operator's own keys replace them).
 */
export interface Preset {
  /** The provider's name as it writes it. */
  provider: string;
  /** The variable the printed config and curl lines take the provider's secret from. */
  secretEnv: string;
  /** Where the provider puts the secret, in its own words (for `relay presets` and the README). */
  secretStyle: string;
  /** `verify` without its secret: `secret:` beside `preset` completes it. */
  verify: PresetVerify;
  type: { from: 'path'; field?: string; map?: Record<string, string> };
  id: { fields: string[] } | { by_type: Record<string, { fields: string[] }> };
  /** The webhook types, as URL-safe slugs of the provider's names: `/in/<source>/<type>`. */
  types: Record<string, PresetType>;
  /** What the preset takes for granted where the seed is silent, and how to change it. */
  assumptions: string[];
}

export interface PresetType {
  /** The provider's own description of this webhook. */
  description: string;
  /** The provider's example payload, where it shows one (sent as JSON). */
  sample?: Record<string, unknown>;
}

/** The verify forms the providers use, as written in relay.yaml. */
export type PresetVerify =
  | { header: string }
  | { body_field: string }
  | { scheme: 'query'; param: string }
  | { scheme: 'hmac-sha256'; header: string };
