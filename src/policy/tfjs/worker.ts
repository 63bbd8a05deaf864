/** Worker-thread entry: one TfjsEngine on its own core, driven by the learner over messages (protocol.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { initWasmBackend } from './backend.js';
import { TfjsEngine } from './engine.js';
import type { EngineReply, EngineRequest, EngineResult, WorkerInit } from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
await initWasmBackend();
const engine = new TfjsEngine(init.config, new Float32Array(init.weights), new Float32Array(init.grads), init.sessionBudget);

port.on('message', (msg: EngineRequest & { id: number }) => {
  let reply: EngineReply;
  try {
    const result: EngineResult =
      msg.op === 'logprobs'
        ? engine.logprobs(msg.batch, msg.version)
        : msg.op === 'forwardBackward'
          ? engine.forwardBackward(msg.batch, msg.dLdLogp, msg.version)
          : msg.op === 'sample'
            ? engine.sample(msg.prompts, msg.params, msg.indices, msg.sessions, msg.version)
            : (engine.endSessions(msg.keys), null);
    reply = { id: msg.id, ok: true, result };
  } catch (e) {
    reply = { id: msg.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage('ready');
