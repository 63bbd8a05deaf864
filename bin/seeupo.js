#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

// `seeupo ... | head` closes stdout early: every command stops quietly instead of crashing on EPIPE.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    // A command that ended on purpose with its own status (130: stopped by Ctrl-C, checkpoint saved) keeps it.
    process.exitCode = code === 0 ? (process.exitCode ?? 0) : code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
