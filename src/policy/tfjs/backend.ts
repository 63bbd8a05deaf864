/**
 * TensorFlow.js on its WebAssembly back end. In Node the package finds its .wasm binaries next to its own
 * dist/ files (Emscripten's scriptDirectory is the module's __dirname), so nothing is fetched: it works offline
 * wherever `npm install` worked. WASM threads do not start in Node (no SharedArrayBuffer-backed pthreads pool),
 * so one backend uses one core; the learner runs one backend per worker thread to use more.
 */
// The full package, not just tfjs-core: core's Node bundle registers no gradient functions; this one does.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/**
 * Makes wasm the active TensorFlow.js backend of this thread. Cheap when it already is; the learner calls it
 * before every operation because other code in the process (e.g. a CPU-backend benchmark) may have switched.
 */
export async function initWasmBackend(): Promise<void> {
  if (tf.engine().backendName === 'wasm') return;
  if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js wasm backend failed to initialise');
  await tf.ready();
}

export { tf };
