import type { Command } from 'commander';
import { UserError } from '../core/errors.js';
import { addListenOptions } from './flags.js';

/** `seeupo serve`: a checkpoint behind the OpenAI API, for any OpenAI client and for `OpenAIPolicy` rollouts. */
export function registerServe(program: Command): void {
  const cmd = program.command('serve');
  addListenOptions(cmd, 'server', 8000);
  cmd
    .description(
      'serve a checkpoint (a directory written by Learner.save, with its renderer.json) over the OpenAI API: ' +
        'POST /v1/chat/completions (messages, tools, logprobs, streaming), POST /v1/completions (token-id prompts), GET /v1/models, ' +
        'and with --allow-weight-updates POST /update_weights_from_disk',
    )
    .requiredOption('--checkpoint <dir>', 'checkpoint directory')
    .option('--backend <name>', 'local policy back end: auto, native or tfjs', 'auto')
    .option('--model-name <name>', "the model's name in the API (default: the checkpoint directory's name)")
    .option('--seed <n>', 'seed of the draws for requests that give no seed', '0')
    .option(
      '--allow-weight-updates',
      'offer POST /update_weights_from_disk {"model_path": DIR} (SGLang\'s API), which loads new weights of the same model from a directory on this machine; ' +
        'the trainer calls it after each update (rollout.policy.kind: openai)',
      false,
    )
    .action(async (opts: { checkpoint: string; host: string; port: number; backend: string; modelName?: string; seed: string; allowWeightUpdates: boolean }) => {
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UserError(`--seed must be an integer in [0, 2^32), got '${opts.seed}'`);
      if (!['auto', 'native', 'tfjs'].includes(opts.backend)) throw new UserError(`--backend must be auto, native or tfjs, got '${opts.backend}'`);
      // Loaded here, not at start-up: the back ends take a second to load, and other commands need neither.
      const [{ loadServedModel }, { OpenAIServer }] = await Promise.all([import('../serve/model.js'), import('../serve/server.js')]);
      const model = await loadServedModel(opts.checkpoint, {
        backend: opts.backend as 'auto' | 'native' | 'tfjs',
        ...(opts.modelName === undefined ? {} : { name: opts.modelName }),
      });
      const server = new OpenAIServer({ model, seed, allowWeightUpdates: opts.allowWeightUpdates });
      const addr = await server.listen(opts.port, opts.host);
      process.stderr.write(`seeupo serve: model '${model.name}' at http://${addr.address}:${addr.port}/v1\n`);
      if (opts.allowWeightUpdates) process.stderr.write(`seeupo serve: weight updates allowed at http://${addr.address}:${addr.port}/update_weights_from_disk\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.stderr.write('seeupo serve: stopping\n');
          void server.close().then(() => model.learner.dispose()).then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
