import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { PRESET_NAMES, PRESETS } from '../../src/config/presets/index.ts';
import { api } from '../admin/api.ts';
import { runCli, writeDaemonConfig } from '../helpers/process.ts';
import { startTestRelay, testConfig } from '../helpers/relay.ts';
import { tempDir } from '../helpers/temp.ts';

const run = promisify(execFile);

// Each preset's secret, as the printed config and curl lines read it from the environment.
const secrets = Object.fromEntries(PRESET_NAMES.map((name) => [PRESETS[name].secretEnv, `${name}-secret`]));
const presetSources = PRESET_NAMES.map(
  (name) => `  ${name}: { preset: ${name}, secret: "\${${PRESETS[name].secretEnv}}" }`,
);

describe('relay presets', () => {
  it('prints each preset expanded to exactly the source relay reads from preset and secret', async () => {
    const { code, stdout } = await runCli(['presets']);
    expect(code).toBe(0);
    for (const name of PRESET_NAMES) {
      const start = stdout.indexOf(`# ${name}: `);
      const section = stdout.slice(start, stdout.indexOf('\n\n', start) >>> 0);
      const expanded = section.slice(section.indexOf('\nsources:\n'), section.indexOf('\n# Assumes:'));
      const fromPrint = parseConfig(expanded, { env: secrets, baseDir: '/' }).sources[name];
      const fromPreset = parseConfig(`sources:\n${presetSources[PRESET_NAMES.indexOf(name)]}\n`, {
        env: secrets,
        baseDir: '/',
      }).sources[name];
      expect({ ...fromPrint, preset: name }).toEqual(fromPreset);
      for (const assumption of PRESETS[name].assumptions) {
        expect(section.replaceAll(/\n#\s+/g, ' ')).toContain(assumption);
      }
    }
  });

  it('prints curl lines that post every type the way its provider does, accepted by a relay', async () => {
    const config = testConfig(`sources:\n${presetSources.join('\n')}\n`, secrets);
    const relay = await startTestRelay(config);
    const { code, stdout } = await runCli(['presets', '--url', relay.ingestUrl]);
    expect(code).toBe(0);
    const script = stdout.split('\n').filter((line) => /^(curl|body=)/.test(line));
    const types = PRESET_NAMES.flatMap((name) =>
      Object.keys(PRESETS[name].types).map((type) => `${name}/${type}`),
    );
    expect(script).toHaveLength(types.length);
    const answers = (
      await run('bash', ['-c', script.join('\n')], { env: { ...process.env, ...secrets } })
    ).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(answers).toEqual(types.map(() => ({ id: expect.stringMatching(/^evt_/), deliveries: 0 })));
    const events = (await api(relay.adminUrl, '/admin/events?limit=500')).json.events as {
      source: string;
      type: string;
    }[];
    expect(events.map((e) => `${e.source}/${e.type}`).reverse()).toEqual(types);
  });

  it('refuses an unknown preset name with exit code 2, naming the presets', async () => {
    const { code, stdout, stderr } = await runCli(['presets', 'twilio']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(`unknown preset 'twilio'; the presets are ${PRESET_NAMES.join(', ')}`);
  });
});

describe('relay check on presets', () => {
  it('shows each source expanded, with its secret hidden', async () => {
    const file = writeDaemonConfig(
      tempDir(),
      'sources:\n  sms: { preset: mobiniti, secret: never-shown-token }\n',
    );
    const { code, stdout } = await runCli(['check', '--config', file]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      [
        'sources (presets expanded, secrets hidden, samples by type):',
        '  sms:',
        '    preset: mobiniti',
        "    verify: { scheme: query, param: token, secret: '***' }",
        '    type: { from: path }',
        '    id:',
        '      by_type:',
        '        inbound: { fields: [ id, received_at ] }',
      ].join('\n'),
    );
    expect(stdout).toContain(
      'sample: [ inbound, unsubscribe, bounce, delivery_report, contact_status, rejection ]',
    );
    expect(stdout).not.toContain('never-shown-token');
  });
});
