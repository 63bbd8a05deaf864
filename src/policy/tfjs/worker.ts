/** Worker-thread entry: one TfjsEngine on its own core, driven by the learner over messages (protocol.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { initWasmBackend } from './backend.js';
import { TfjsEngine } from './engine.js';
import { HANDOFF, type EngineReply, type EngineRequest, type EngineResult, type WorkerInit } from './protocol.js';

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
            : msg.op === 'forwardBackwardFn'
              ? handOff(msg)
              : (engine.endSessions(msg.keys), null);
    reply = { id: msg.id, ok: true, result };
  } catch (e) {
    reply = { id: msg.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
port.postMessage('ready');

/** Forward, log-probs to the learner, wait for their ∂L/∂logp, backward (protocol.ts, HANDOFF). */
function handOff(msg: Extract<EngineRequest, { op: 'forwardBackwardFn' }>): Float32Array[] {
  const sync = new Int32Array(msg.sync);
  try {
    return engine.forwardBackwardFn(msg.batch, msg.version, (logp) => {
      new Float32Array(msg.logp).set(logp);
      Atomics.store(sync, msg.slot, HANDOFF.logprobs);
      Atomics.notify(sync, msg.slot);
      Atomics.wait(sync, msg.slot, HANDOFF.logprobs);
      return Atomics.load(sync, msg.slot) === HANDOFF.gradient ? new Float32Array(msg.dLdLogp).slice() : null;
    });
  } catch (e) {
    // The learner's thread may be blocked waiting for this slot.
    if (Atomics.compareExchange(sync, msg.slot, HANDOFF.pending, HANDOFF.failed) === HANDOFF.pending) Atomics.notify(sync, msg.slot);
    throw e;
  }
}
