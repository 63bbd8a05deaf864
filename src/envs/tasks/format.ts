import type { TaskSpec } from './generate.js';
import { callString } from './calls.js';
import { PyDict, pyStr, type PyValue } from '../bfcl/python/value.js';

/**
 * A task as readable text: its classes, the start state (the file tree, the messaging users), then per user turn the
 * kind, the user's words and the ground-truth calls by step.
 *
 *   tasks_train_0_3 (train)  GorillaFileSystem, MessageAPI
 *     files: workspace/ {report.pdf notes.txt docs/ {plan.md} }
 *     users: alice=USR004 bob=USR002 carol=USR007 (logged in: USR001)
 *     turn 1 literal: list files
 *       1. ls()
 *     turn 2 choice: move the pdf file to docs
 *       1. mv(source='report.pdf',destination='docs')
 *
 * A trap task also shows, under each turn where it differs, the trap path, and which path its SFT demonstration takes.
 */
export function formatTask(task: TaskSpec): string {
  const e = task.entry;
  const lines = [`${task.id} (${task.split})  ${e.involvedClasses.join(', ')}`];
  const fs = e.initialConfig.get('GorillaFileSystem');
  const root = fs instanceof PyDict ? fs.get('root') : undefined;
  if (root instanceof PyDict) lines.push(`  files: ${root.entries().map(([name, node]) => formatNode(pyStr(name), node)).join(' ')}`);
  const messages = e.initialConfig.get('MessageAPI');
  if (messages instanceof PyDict) {
    const users = messages.get('user_map');
    const list = users instanceof PyDict ? users.entries().map(([n, id]) => `${pyStr(n)}=${pyStr(id)}`).join(' ') : '';
    lines.push(`  users: ${list} (logged in: ${pyStr(messages.get('current_user') ?? null)})`);
  }
  task.steps.forEach((steps, t) => {
    lines.push(`  turn ${t + 1} ${task.turnKinds[t]}: ${e.question[t]!.map((m) => m.content).join(' / ')}`);
    steps.forEach((calls, s) => lines.push(`    ${s + 1}. ${calls.map(callString).join('  ')}`));
    const trapSteps = task.trap?.trapSteps[t];
    if (trapSteps && JSON.stringify(trapSteps) !== JSON.stringify(steps)) {
      lines.push(`    trap path: ${trapSteps.map((calls) => calls.map(callString).join('  ')).join(', then ')}`);
    }
  });
  if (task.trap) lines.push(`  SFT demonstration: ${task.trap.demonstrated} path`);
  return lines.join('\n');
}

/** A file as its name, a directory as `name/ {children}`. */
function formatNode(name: string, node: PyValue): string {
  if (!(node instanceof PyDict) || node.get('type') !== 'directory') return name;
  const contents = node.get('contents');
  const children = contents instanceof PyDict ? contents.entries().map(([n, c]) => formatNode(pyStr(n), c)) : [];
  return `${name}/ {${children.join(' ')}}`;
}

