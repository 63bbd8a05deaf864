import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { addListenOptions } from './flags.js';

/** `seeupo env serve`: the environments behind the env-service HTTP API, for `HttpEnv` or AgentEvolver's clients. */
export function registerEnv(program: Command): void {
  const cmd = program.command('env').description('environments as services');
  const serve = cmd.command('serve');
  addListenOptions(serve, 'service', 8001);
  serve
    .description(
      'serve an environment over the env-service HTTP API (AgentEvolver): GET /healthz; POST /create, /step, /evaluate, ' +
        '/get_info, /release, /get_env_profile with {env_type, task_id, instance_id, messages, params}, answers {success, data}',
    )
    .requiredOption('--env <name>', 'tasks (the generated tasks of seeupo train, default knobs) or bfcl (BFCL v4 multi-turn entries)')
    .option('--max-steps-per-turn <n>', 'assistant messages per user question before the turn is cut', '4')
    .action(async (opts: { env: string; host: string; port: number; maxStepsPerTurn: string }) => {
      const { ENV_TYPES, servedEnvType } = await import('../serve/env-catalog.js');
      const name = ENV_TYPES.find((t) => t === opts.env);
      if (!name) throw new UserError(`--env must be ${ENV_TYPES.join(' or ')}, got '${opts.env}'`);
      const maxStepsPerTurn = Number(opts.maxStepsPerTurn);
      if (!Number.isInteger(maxStepsPerTurn) || maxStepsPerTurn < 1) throw new UserError(`--max-steps-per-turn must be an integer >= 1, got '${opts.maxStepsPerTurn}'`);
      const { EnvServer } = await import('../serve/env-server.js');
      const server = new EnvServer({ envType: servedEnvType(name, { maxStepsPerTurn }) });
      const addr = await server.listen(opts.port, opts.host);
      process.stderr.write(`seeupo env serve: env_type '${name}' at http://${addr.address}:${addr.port}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.stderr.write('seeupo env serve: stopping\n');
          void server.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
