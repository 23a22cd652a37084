import { type Command, InvalidArgumentError, Option } from 'commander';
import type { OpsOptions } from './context.ts';
import { registerManageCommands } from './manage.ts';
import { positiveInt, withReason, withTarget } from './options.ts';

/**
 * The ops subcommands: each one call to the admin API of a running relay.
 * Their modules load only when one runs, so `relay --version` stays fast.
 */
export function registerOpsCommands(program: Command): void {
  const ops = async (command: Command) => {
    const { createOps } = await import('./context.ts');
    return createOps(command.optsWithGlobals<OpsOptions>());
  };
  const endpointCommands = () => import('./endpoint-commands.ts');
  const eventCommands = () => import('./event-commands.ts');

  const endpoints = withTarget(program.command('endpoints'))
    .description('list the endpoints with their state, queue depth and last attempt')
    .action(async (_options, command: Command) => (await endpointCommands()).endpoints(await ops(command)));
  registerManageCommands(program, endpoints, ops);

  for (const action of ['pause', 'resume', 'enable'] as const) {
    withReason(program.command(`${action} <endpoint>`))
      .description(stateHelp[action])
      .action(async (name: string, _options, command: Command) =>
        (await endpointCommands()).changeState(await ops(command), name, action),
      );
  }

  withReason(program.command('test <endpoint>'))
    .description('send a signed sample event to an endpoint now; fails unless it answers with success')
    .option('--type <type>', 'the sample event type (default relay.test)')
    .action(async (name: string, options: { type?: string }, command: Command) =>
      (await endpointCommands()).test(await ops(command), name, options.type),
    );

  withReason(program.command('replay <endpoint>'))
    .description("requeue an endpoint's dead (or, for a resend, delivered) deliveries")
    .addOption(new Option('--dead', 'replay dead deliveries').conflicts('delivered'))
    .addOption(new Option('--delivered', 'send delivered ones again').conflicts('dead'))
    .option('--since <when>', 'only events received since then: a duration (2h) or an ISO time')
    .option('--limit <n>', 'requeue at most this many (default 10000)', positiveInt)
    .option('--dry-run', 'only count what would be requeued')
    .action(
      async (
        name: string,
        options: { dead?: boolean; delivered?: boolean; since?: string; limit?: number; dryRun?: boolean },
        command: Command,
      ) => {
        if (!options.dead && !options.delivered) throw new InvalidArgumentError('pass --dead or --delivered');
        await (await endpointCommands()).replay(await ops(command), name, {
          state: options.dead ? 'dead' : 'delivered',
          dryRun: options.dryRun === true,
          ...(options.since ? { since: options.since } : {}),
          ...(options.limit ? { limit: options.limit } : {}),
        });
      },
    );

  withReason(program.command('backfill <endpoint>'))
    .description("create deliveries for stored events that today's routes send to this endpoint")
    .requiredOption('--since <when>', 'events received since then: a duration (24h) or an ISO time')
    .action(async (name: string, options: { since: string }, command: Command) =>
      (await endpointCommands()).backfill(await ops(command), name, options.since),
    );

  withTarget(program.command('events'))
    .description('list stored events, newest first')
    .option('--source <source>', 'only this source')
    .option('--type <type>', 'only this event type')
    .option(
      '--state <state>',
      'only events with a delivery in this state (pending, in_flight, delivered, dead, dropped)',
    )
    .option('--endpoint <endpoint>', 'only events with a delivery to this endpoint')
    .option('--since <when>', 'only events received since then: a duration (2h) or an ISO time')
    .option('--limit <n>', 'events per page (default 50, at most 500)')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (options: Record<string, string>, command: Command) => {
      const { source, type, state, endpoint, since, limit, cursor } = options;
      await (await eventCommands()).events(await ops(command), {
        source,
        type,
        state,
        endpoint,
        since,
        limit,
        cursor,
      });
    });

  withTarget(program.command('event <id>'))
    .description('show one event: its body, its deliveries and every attempt')
    .action(async (id: string, _options, command: Command) =>
      (await eventCommands()).event(await ops(command), id),
    );

  withReason(program.command('retry <delivery-id>'))
    .description('send one delivery again now (delivered or dead: requeued; pending: made due)')
    .action(async (id: string, _options, command: Command) =>
      (await eventCommands()).retry(await ops(command), id),
    );

  withTarget(program.command('cluster'))
    .description('list the relays sharing the PostgreSQL database, with the endpoints each owns')
    .action(async (_options, command: Command) => (await eventCommands()).cluster(await ops(command)));

  const backlogs = withTarget(program.command('backlogs'))
    .description('list deliveries held for endpoints the config no longer names')
    .action(async (_options, command: Command) => (await eventCommands()).backlogs(await ops(command)));
  withReason(backlogs.command('move <name>'))
    .description('move a held backlog to a configured endpoint')
    .requiredOption('--to <endpoint>', 'the endpoint that takes the deliveries')
    .action(async (name: string, options: { to: string }, command: Command) =>
      (await eventCommands()).moveBacklog(await ops(command), name, options.to),
    );
  withReason(backlogs.command('drop <name>'))
    .description('mark a held backlog dropped (kept in the database, never sent)')
    .action(async (name: string, _options, command: Command) =>
      (await eventCommands()).dropBacklog(await ops(command), name),
    );
}

const stateHelp = {
  pause: 'stop sending to an endpoint (events keep queueing; survives a restart)',
  resume: 'send to a paused endpoint again',
  enable: 'send again to an endpoint disabled by a 410 Gone (or paused)',
};
