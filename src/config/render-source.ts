import { Document, isCollection, isMap, isSeq } from 'yaml';
import type { IdRule, KeyRule, SourceConfig, TypeRule, VerifyConfig } from './schema.ts';

/**
 * A parsed source written back in the form relay.yaml takes, so `relay check`
 * and `relay presets` show what a preset expanded to in the words an
 * operator would write. Secrets are shown only when asked (`relay presets`
 * shows its `${VAR}` placeholders); anywhere else they are `***`.
 */
export function sourceAsWritten(source: SourceConfig, secrets: 'shown' | 'hidden'): Record<string, unknown> {
  return defined({
    preset: source.preset,
    verify: source.verify && verifyAsWritten(source.verify, secrets),
    type: typeAsWritten(source.type),
    id: source.id && idAsWritten(source.id),
    response: source.response && defined(source.response),
    accept: source.accept,
    sample: source.samples?.map((s) =>
      defined({
        type: s.type,
        body: s.body,
        content_type: s.content_type === JSON_TYPE ? undefined : s.content_type,
      }),
    ),
  });
}

/** `sources:` as YAML: each rule on one line, as DESIGN.md writes them; sample bodies one per line. */
export function sourcesYaml(sources: Record<string, Record<string, unknown>>): string {
  const doc = new Document({ sources });
  for (const [name, source] of Object.entries(sources)) {
    for (const key of Object.keys(source)) {
      const node = doc.getIn(['sources', name, key], true);
      const byType = isMap(node) ? node.get('by_type', true) : undefined;
      if (isMap(byType)) for (const pair of byType.items) flow(pair.value);
      else if (!(isSeq(node) && node.items.some(isMap))) flow(node);
    }
  }
  return doc.toString({ lineWidth: 0, singleQuote: true });
}

/** The `relay check` section (after a blank line): every source as relay reads it, samples by type only. */
export function sourcesSection(sources: Record<string, SourceConfig>): string[] {
  const written = Object.values(sources).map((source) => {
    const sample = source.samples?.map((s) => s.type);
    return [source.name, { ...sourceAsWritten(source, 'hidden'), ...(sample && { sample }) }];
  });
  if (written.length === 0) return [];
  // Drop the `sources:` line: the heading stands for it.
  const lines = sourcesYaml(Object.fromEntries(written)).trimEnd().split('\n').slice(1);
  return ['', 'sources (presets expanded, secrets hidden, samples by type):', ...lines];
}

function flow(node: unknown): void {
  if (isCollection(node)) node.flow = true;
}

const JSON_TYPE = 'application/json';

function verifyAsWritten(verify: VerifyConfig, shown: 'shown' | 'hidden'): Record<string, unknown> {
  const list = shown === 'shown' ? verify.secrets : verify.secrets.map(() => '***');
  const secret = list.length === 1 ? list[0] : list;
  switch (verify.scheme) {
    case 'header':
      return { header: verify.header, secret };
    case 'body_field':
      return { body_field: verify.field, secret };
    case 'hmac-sha256':
      return { scheme: verify.scheme, header: verify.header, secret };
    case 'query':
      return { scheme: verify.scheme, param: verify.param, secret };
    case 'standard-webhooks':
    case 'bearer':
      return { scheme: verify.scheme, secret };
  }
}

function typeAsWritten(rule: TypeRule): unknown {
  switch (rule.kind) {
    case 'path':
      return { from: 'path', ...(rule.fallback && (typeAsWritten(rule.fallback) as object)) };
    case 'field':
      return defined({
        field: rule.field,
        map: Object.keys(rule.map).length > 0 ? rule.map : undefined,
        default: rule.default,
      });
    case 'header':
      return { header: rule.header };
    case 'constant':
      return rule.value;
  }
}

function idAsWritten(rule: IdRule): Record<string, unknown> {
  if (rule.kind !== 'by_type') return keyAsWritten(rule);
  return {
    by_type: Object.fromEntries(Object.entries(rule.rules).map(([t, key]) => [t, keyAsWritten(key)])),
  };
}

function keyAsWritten(rule: KeyRule): Record<string, unknown> {
  return rule.kind === 'header' ? { header: rule.header } : { fields: rule.fields };
}

function defined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
