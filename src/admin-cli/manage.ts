import { type Command, Option } from 'commander';
import type { Ops } from './context.ts';
import type { EndpointFlags } from './managed-commands.ts';
import { collect, commaList, positiveInt, withReason, withTarget } from './options.ts';

type OpsOf = (command: Command) => Promise<Ops>;

/**
 * The management commands (endpoints and routes made through the API, the
 * SendBlue-style webhooks, the audit log) and `relay tail`. Like the other
 * ops commands, each loads its module only when it runs.
 */
export function registerManageCommands(program: Command, endpoints: Command, ops: OpsOf): void {
  const managed = () => import('./managed-commands.ts');
  const webhooks = () => import('./webhook-commands.ts');

  withEndpointFlags(withReason(endpoints.command('add <name>')))
    .description('create an endpoint through the API (stored in the database, beside the file)')
    .action(async (name: string, flags: EndpointFlags, command: Command) =>
      (await managed()).addEndpoint(await ops(command), name, flags),
    );
  withEndpointFlags(withReason(endpoints.command('set <name>')))
    .description('change some settings of an API endpoint (the others stay)')
    .action(async (name: string, flags: EndpointFlags, command: Command) =>
      (await managed()).setEndpoint(await ops(command), name, flags),
    );
  withReason(endpoints.command('rm <name>'))
    .description('delete an API endpoint; its unfinished deliveries are held (relay backlogs)')
    .action(async (name: string, _options, command: Command) =>
      (await managed()).removeObject(await ops(command), 'endpoint', name),
    );

  const routes = withTarget(program.command('routes'))
    .description('list the routes (from the file and the API)')
    .action(async (_options, command: Command) => (await managed()).routes(await ops(command)));
  withReason(routes.command('add <name>'))
    .description('create a route through the API')
    .option('--from <sources>', 'comma-separated sources (default: every source)', commaList)
    .option('--types <types>', 'comma-separated event types (default: every type)', commaList)
    .requiredOption('--to <endpoints>', 'comma-separated endpoints', commaList)
    .action(
      async (name: string, flags: { from?: string[]; types?: string[]; to: string[] }, command: Command) =>
        (await managed()).addRoute(await ops(command), name, flags),
    );
  withReason(routes.command('rm <name>'))
    .description('delete an API route')
    .action(async (name: string, _options, command: Command) =>
      (await managed()).removeObject(await ops(command), 'route', name),
    );

  const hooks = withTarget(program.command('webhooks'))
    .description('list the SendBlue-style webhooks, by type')
    .action(async (_options, command: Command) => (await webhooks()).webhooks(await ops(command)));
  withReason(hooks.command('add <url>'))
    .description('add a webhook (an API endpoint and a route for its type)')
    .option('--type <type>', 'the event type it receives', 'receive')
    .option('--secret <secret>', 'sent in admin.webhooks.secret_header (else the global secret)')
    .action(async (url: string, flags: { type: string; secret?: string }, command: Command) =>
      (await webhooks()).addWebhook(await ops(command), url, flags),
    );
  withReason(hooks.command('rm <url>'))
    .description('remove a webhook')
    .option('--type <type>', 'the event type it receives', 'receive')
    .action(async (url: string, flags: { type: string }, command: Command) =>
      (await webhooks()).removeWebhook(await ops(command), url, flags.type),
    );

  withTarget(program.command('audit'))
    .description('list the changes made through the admin API, newest first')
    .option('--since <when>', 'only changes since then: a duration (1h) or an ISO time')
    .option('--limit <n>', 'entries per page (default 50, at most 500)')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (query: { since?: string; limit?: string; cursor?: string }, command: Command) =>
      (await webhooks()).audit(await ops(command), query),
    );

  withTarget(program.command('tail'))
    .description('print what relay does as it happens (GET /admin/stream) until Ctrl-C')
    .option('--endpoint <endpoints>', 'only what concerns these endpoints (comma-separated)')
    .option('--types <types>', 'only these stream events (event.received, delivery.attempted, …)')
    .action(async (flags: { endpoint?: string; types?: string }, command: Command) => {
      const { tail } = await import('./tail.ts');
      await tail(await ops(command), flags);
    });
}

function withEndpointFlags(command: Command): Command {
  return command
    .option('--url <url>', 'where deliveries go')
    .addOption(new Option('--secret <secret>', 'the signing secret').conflicts('secretFile'))
    .option('--secret-file <file>', 'read the signing secret from this file (kept off the command line)')
    .option('--scheme <scheme>', 'the signing scheme for --secret (default standard-webhooks)')
    .option('--header <name=value>', 'a header sent with every delivery (repeatable)', collect)
    .option('--timeout <duration>', 'how long one attempt may take, e.g. 10s')
    .option('--concurrency <n>', 'attempts in flight at once', positiveInt)
    .addOption(new Option('--json-body <json>', 'the whole endpoint as JSON, as in YAML').conflicts('file'))
    .option('-f, --file <file.json>', 'the whole endpoint from a JSON file');
}
