import { z } from 'zod';
import { configSchema } from './schema.ts';

/**
 * The JSON Schema of relay.yaml as written (the schema's input side, with
 * defaults shown), printed by `relay schema` for editors. Durations, sizes and
 * `${VAR}` references are plain strings here: their syntax is checked at load.
 */
export function configJsonSchema(): object {
  const schema = z.toJSONSchema(configSchema({ readSecretFile: () => '' }), {
    io: 'input',
    unrepresentable: 'any',
  });
  return { ...schema, title: 'relay configuration (relay.yaml)' };
}
