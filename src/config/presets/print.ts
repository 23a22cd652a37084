import { sourceAsWritten, sourcesYaml } from '../render-source.ts';
import { configSchema } from '../schema.ts';
import { curlLine } from './curl.ts';
import { PRESETS, type PresetName } from './index.ts';

/**
 * What `relay presets [NAME]` prints for one preset: the two lines to write,
 * the source they expand to (through the real schema, so it is exactly what
 * relay reads), what the preset assumes, the provider's webhook types, and a
 * curl line per type sending its sample the way the provider does.
 */
export function describePreset(name: PresetName, ingestUrl: string): string {
  const preset = PRESETS[name];
  const placeholder = `\${${preset.secretEnv}}`;
  const config = configSchema({ readSecretFile: () => '' }).parse({
    sources: { [name]: { preset: name, secret: placeholder } },
  });
  const { preset: _, ...expanded } = sourceAsWritten(config.sources[name]!, 'shown');
  const width = Math.max(...Object.keys(preset.types).map((type) => type.length));
  const lines = [
    `# ${name}: ${preset.provider}. Secret: ${preset.secretStyle}.`,
    '# Write:',
    `#   sources: { ${name}: { preset: ${name}, secret: "${placeholder}" } }`,
    '# relay reads it as this; any key written beside preset replaces the one here:',
    sourcesYaml({ [name]: expanded }).trimEnd(),
    '# Assumes:',
    ...preset.assumptions.flatMap((text) => wrap(`- ${text}`, '#   ', '#     ')),
    `# Webhook types: give ${preset.provider} one URL per type, ${ingestUrl}/in/${name}/<type>`,
    ...Object.entries(preset.types).flatMap(([type, { description }]) =>
      wrap(description, `#   ${type.padEnd(width)}  `, `#   ${' '.repeat(width)}  `),
    ),
    `# Try each type (with $${preset.secretEnv} set):`,
  ];
  for (const [type, { sample }] of Object.entries(preset.types)) {
    if (!sample)
      lines.push(`# ${type}: ${preset.provider} shows no payload; post one of yours instead of {}`);
    const body = JSON.stringify(sample ?? {});
    lines.push(curlLine(preset.verify, `${ingestUrl}/in/${name}/${type}`, body, preset.secretEnv));
  }
  return `${lines.join('\n')}\n`;
}

/** Comment lines of at most 100 characters. */
function wrap(text: string, first: string, next: string): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    if (line.length + word.length > 100 && line.trim() !== '#') {
      lines.push(line.trimEnd());
      line = next;
    }
    line += `${word} `;
  }
  return [...lines, line.trimEnd()];
}
