#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { registerOpsCommands } from './admin-cli/commands.ts';
import { ConfigError, RelayError } from './errors.ts';
import { type LogLevel, logLevels } from './log.ts';

interface GlobalOptions {
  config?: string;
  logLevel: LogLevel;
}

/**
 * The front door, and the only place that decides the exit code: 2 for a bad
 * config, 1 for any other failure to start, 0 after a clean stop. Modules
 * with heavy dependencies load inside the command that needs them, so
 * `--version` and `schema` answer fast.
 */
export function buildProgram(): Command {
  const program = new Command('relay')
    .description('Webhook relay: durable ingest, per-endpoint delivery with retries, signatures and metrics.')
    .version(pkg.version, '-v, --version')
    .option('-c, --config <file>', 'path to relay.yaml')
    .addOption(new Option('--log-level <level>', 'log level').choices(logLevels).default('info' as LogLevel))
    .showHelpAfterError()
    .action(async (_options, command: Command) => run(command.optsWithGlobals<GlobalOptions>()));

  program
    .command('run')
    .description('start the daemon (the default command)')
    .action(async (_options, command: Command) => run(command.optsWithGlobals<GlobalOptions>()));

  program
    .command('check')
    .description('validate the config and print the routing table')
    .action(async (_options, command: Command) => {
      const config = await load(command.optsWithGlobals<GlobalOptions>());
      const [{ describeConfig }, { inspectConfig }, { peekUnfinished }] = await Promise.all([
        import('./check/report.ts'),
        import('./check/findings.ts'),
        import('./store/open.ts'),
      ]);
      let unfinished: Map<string, number> | undefined;
      let database: string | undefined;
      try {
        unfinished = await peekUnfinished(config);
      } catch (error) {
        if (!(error instanceof RelayError)) throw error;
        database = error.message;
      }
      const findings = await inspectConfig(config, unfinished, database);
      process.stdout.write(`${describeConfig(config, findings)}\n`);
      // The config is valid, but relay would not start with it.
      if (database !== undefined) process.exitCode = 1;
    });

  program
    .command('schema')
    .description("print the config's JSON Schema (for editors validating relay.yaml)")
    .action(async () => {
      const { configJsonSchema } = await import('./config/json-schema.ts');
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });

  program
    .command('presets')
    .argument('[name]', 'one preset (default: all)')
    .description('print each provider preset expanded as YAML, with a curl line per event type')
    .option('--url <base>', 'the ingest URL the curl lines post to', 'http://127.0.0.1:8080')
    .action(async (name: string | undefined, options: { url: string }) => {
      const [{ describePreset }, { isPresetName, PRESET_NAMES }] = await Promise.all([
        import('./config/presets/print.ts'),
        import('./config/presets/index.ts'),
      ]);
      if (name !== undefined && !isPresetName(name)) {
        throw new InvalidArgumentError(
          `unknown preset '${name}'; the presets are ${PRESET_NAMES.join(', ')}`,
        );
      }
      const url = options.url.replace(/\/+$/, '');
      const names = name === undefined ? PRESET_NAMES : [name];
      process.stdout.write(names.map((n) => describePreset(n, url)).join('\n'));
    });

  registerOpsCommands(program);
  return program;
}

function configFile(options: GlobalOptions): string {
  if (!options.config) throw new InvalidArgumentError('--config <file> is required');
  return options.config;
}

async function load(options: GlobalOptions) {
  const { loadConfig } = await import('./config/load.ts');
  return loadConfig(configFile(options));
}

async function run(options: GlobalOptions): Promise<void> {
  const file = configFile(options);
  const [{ ConfigReloader, loadWatched }, { loadConfig }] = await Promise.all([
    import('./reload.ts'),
    import('./config/load.ts'),
  ]);
  const { config, baseline } = loadWatched(file, loadConfig);
  const [{ startRelay }, { createLogger }, { handleSignals }, { redactUrl }] = await Promise.all([
    import('./main.ts'),
    import('./log.ts'),
    import('./shutdown.ts'),
    import('./http/redact-url.ts'),
  ]);
  const log = createLogger(options.logLevel);
  const relay = await startRelay(config, { log });
  const reloader = new ConfigReloader({
    file,
    relay,
    log: log.child({ component: 'reload' }),
    load: loadConfig,
    baseline,
  });
  reloader.watch();
  handleSignals(relay, log, reloader);
  // Only now: whoever waits for this line may stop relay at once, and must get a graceful stop.
  log.info(
    {
      ingest: relay.ingestUrl,
      admin: relay.adminUrl,
      database: config.storage.backend === 'postgres' ? redactUrl(config.storage.url!) : config.storage.path,
    },
    'relay started',
  );
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`relay: invalid config\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`);
      process.exitCode = 2;
      return;
    }
    if (error instanceof RelayError || error instanceof InvalidArgumentError) {
      process.stderr.write(`relay: ${error.message}\n`);
      process.exitCode = error instanceof InvalidArgumentError ? 2 : 1;
      return;
    }
    process.stderr.write(`relay: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

// Not awaited at the top level: the bundle for the single executable is CommonJS.
void main(process.argv);
