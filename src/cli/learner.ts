import { Option } from 'commander';
import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { parseJsonOption } from './json-option.js';
import { addListenOptions, integer } from './flags.js';

/** The default "base model": the agent-task GPT shape of design.md (d128, 2 layers, byte-level vocabulary). */
export const DEFAULT_SERVE_MODEL = { vocabSize: 512, contextLength: 256, dModel: 128, nLayers: 2, nHeads: 4 };

interface ServeFlags {
  host: string;
  port: number;
  backend: 'auto' | 'native' | 'tfjs';
  model?: string;
  seed: number;
  threads?: number;
  baseModel: string;
  checkpointDir: string;
  normalisation: 'sum' | 'mean';
  longPollS: number;
  sessionTimeoutS: number;
  requireApiKey?: boolean;
}

function nonNegative(flag: string): (v: string) => number {
  return (v) => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x) || x < 0) throw new UserError(`${flag} must be a number >= 0, got '${v}'`);
    return x;
  };
}

async function serve(flags: ServeFlags): Promise<void> {
  // Loaded here: the back ends take a second to load, and other commands need neither.
  const { parseModelConfig } = await import('../policy/weights.js');
  const { createLocalLearner, chooseLocalBackend } = await import('../policy/native/select.js');
  const { startTinkerServer } = await import('../policy/remote/tinker-server.js');
  const config = parseModelConfig(flags.model === undefined ? DEFAULT_SERVE_MODEL : parseJsonOption('--model', flags.model), '--model');
  const backend = chooseLocalBackend(flags.backend);
  let apiKey: string | undefined;
  if (flags.requireApiKey) {
    apiKey = process.env.TINKER_API_KEY;
    if (!apiKey) throw new UserError('--require-api-key: set the TINKER_API_KEY environment variable to the key clients must send');
  }
  const server = await startTinkerServer(
    {
      createLearner: () => createLocalLearner({ config, seed: flags.seed, backend, ...(flags.threads !== undefined ? { threads: flags.threads } : {}) }),
      baseModel: flags.baseModel,
      checkpointDir: flags.checkpointDir,
      normalisation: flags.normalisation,
      longPollMs: flags.longPollS * 1000,
      sessionTimeoutMs: flags.sessionTimeoutS * 1000,
      ...(apiKey !== undefined ? { apiKey } : {}),
    },
    flags.host,
    flags.port,
  ).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') throw new UserError(`cannot listen on ${flags.host}:${flags.port}: ${e.message}`);
    throw e;
  });
  process.stdout.write(
    `seeupo learner serve: listening on ${server.url} — base model '${flags.baseModel}' ${JSON.stringify(config)}, ${backend} back end, ` +
      `seed ${flags.seed}, normalisation ${flags.normalisation}, checkpoints in ${flags.checkpointDir}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  process.stdout.write('seeupo learner serve: stopped\n');
}

/** `seeupo learner serve`: a Tinker-protocol training service over a local learner. */
export function registerLearner(program: Command): void {
  const learner = program.command('learner').description('model back ends as services');
  const serveCmd = learner.command('serve');
  addListenOptions(serveCmd, 'learner', 8000);
  serveCmd
    .description(
      'serve a local learner (the tiny GPT as base model) over the Tinker HTTP API, as SkyRL and hosted Tinker speak it: ' +
        'TinkerLearner clients train and sample through it; several processes can share it. Runs until SIGINT/SIGTERM.',
    )
    .addOption(new Option('--backend <backend>', 'local back end').choices(['auto', 'native', 'tfjs']).default('auto'))
    .option('--model <json>', `model config JSON (default ${JSON.stringify(DEFAULT_SERVE_MODEL)})`)
    .option('--seed <n>', 'seed of the base weights (every created model starts from them)', integer('--seed', 0), 0)
    .option('--threads <n>', 'compute threads per learner (back end default when absent)', integer('--threads', 1))
    .option('--base-model <name>', 'the name clients pass as base_model', 'seeupo-tiny')
    .option('--checkpoint-dir <dir>', 'where saved weights go (they survive a restart)', 'tinker-checkpoints')
    .addOption(
      new Option('--normalisation <mode>', "loss reduction: 'sum' over tokens and sequences (hosted Tinker) or 'mean' per sequence and over the batch (SkyRL's JAX back end)")
        .choices(['sum', 'mean'])
        .default('sum'),
    )
    .option('--long-poll-s <s>', 'retrieve_future waits this long before answering 408', nonNegative('--long-poll-s'), 30)
    .option('--session-timeout-s <s>', 'end sessions without a heartbeat for this long (0: never)', nonNegative('--session-timeout-s'), 300)
    .option('--require-api-key', 'clients must send the key in the TINKER_API_KEY environment variable as X-API-Key')
    .action(serve);
}
