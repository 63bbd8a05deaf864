import type { Command } from 'commander';

/** `seeupo doctor`: which local policy back ends work here, which one `auto` picks, and why the others do not. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('report which local policy back ends are available here (native libtorch, portable TensorFlow.js) and why not')
    .option('--json', 'print one JSON object: {backends: [{backend, available, detail}], auto}')
    .action(async (opts: { json?: boolean }) => {
      // Loaded here, not at start-up: TensorFlow.js and the addon take a second to load, and other commands need neither.
      const { chooseLocalBackend, localBackendStatuses } = await import('../policy/native/select.js');
      const backends = await localBackendStatuses();
      const auto = chooseLocalBackend('auto');
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ backends, auto })}\n`);
        return;
      }
      process.stdout.write('policy back ends:\n');
      for (const b of backends) process.stdout.write(`  ${b.backend.padEnd(7)} ${(b.available ? 'available' : 'unavailable').padEnd(12)} ${b.detail}\n`);
      process.stdout.write(`auto picks: ${auto}\n`);
    });
}
