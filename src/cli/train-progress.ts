import cliProgress from 'cli-progress';
import type { TrainProgress } from '../train/trainer.js';

/**
 * On a terminal: a progress bar per phase with ETA and the latest loss or success (cli-progress), log lines
 * printed above it. Elsewhere (CI, a file): plain lines, one per SFT block, RL iteration and evaluation.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): TrainProgress {
  if (!stream.isTTY) return plainProgress(stream);
  let bar: cliProgress.SingleBar | null = null;
  return {
    start(phase, total, done) {
      bar?.stop();
      bar = new cliProgress.SingleBar(
        { stream, format: `${phase.toUpperCase().padEnd(3)} [{bar}] {value}/{total} | ETA {eta_formatted} | {info}`, hideCursor: true, etaBuffer: 20 },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, done, { info: '' });
    },
    update(done, info) {
      bar?.update(done, { info: Object.entries(info).map(([k, v]) => `${k} ${v}`).join(' ') });
    },
    log(line) {
      if (bar) {
        stream.write('\r\x1b[2K' + line + '\n');
        bar.render();
      } else stream.write(line + '\n');
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

export function plainProgress(stream: NodeJS.WritableStream = process.stderr): TrainProgress {
  let phase = '';
  let total = 0;
  return {
    start(p, t) {
      phase = p.toUpperCase();
      total = t;
    },
    update(done, info) {
      stream.write(`${phase} ${done}/${total} ${Object.entries(info).map(([k, v]) => `${k} ${v}`).join(' ')}\n`);
    },
    log(line) {
      stream.write(line + '\n');
    },
    stop() {},
  };
}
