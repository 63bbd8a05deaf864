import type { AssistantMessage, ChatMessage, ToolCall } from '../../src/core/messages.js';
import type { Env } from '../../src/envs/env.js';
import type { BfclEntry } from '../../src/envs/bfcl/data.js';
import { jsonLoads } from '../../src/envs/bfcl/python/json.js';
import type { PyDict } from '../../src/envs/bfcl/python/value.js';
import type { Split, TaskSource, TrainTask } from '../../src/train/task-source.js';

const STEMS = ['report', 'notes', 'plan', 'draft'];
const DIRS = ['archive', 'backup'];

/**
 * A tiny task family for trainer tests: one user turn, "move STEM.pdf to DIR", one `mv` call. Held-out tasks use a
 * stem training never sees. Small enough that a tiny model learns some of it in a few SFT steps.
 */
export function fixtureTaskSource(): TaskSource {
  const task = (split: Split, index: number): TrainTask => {
    const stem = split === 'heldout' ? 'draft' : STEMS[(index * 7 + (split === 'test' ? 1 : 0)) % 3]!;
    const dir = DIRS[index % 2]!;
    const file = `${stem}.pdf`;
    const config = {
      GorillaFileSystem: {
        root: { workspace: { type: 'directory', contents: { [file]: { type: 'file', content: 'x' }, archive: { type: 'directory', contents: {} }, backup: { type: 'directory', contents: {} } } } },
      },
    };
    const entry: BfclEntry = {
      id: `fixture_${split}_${index}`,
      category: 'base',
      question: [[{ role: 'user', content: `move ${file} to ${dir}` }]],
      involvedClasses: ['GorillaFileSystem'],
      initialConfig: jsonLoads(JSON.stringify(config)) as PyDict,
      missedFunctions: new Map(),
      groundTruth: [[`mv(source='${file}',destination='${dir}')`]],
    };
    return { id: entry.id, split, entry };
  };
  return {
    classes: ['GorillaFileSystem'],
    words: [...STEMS, ...DIRS, 'move', 'to', 'pdf'],
    task,
    async demonstration(t: TrainTask, env: Env<BfclEntry>): Promise<ChatMessage[]> {
      const messages: ChatMessage[] = [...(await env.reset(t.entry)).messages];
      const gt = t.entry.groundTruth[0]![0]!;
      const [, source, destination] = /source='([^']*)',destination='([^']*)'/.exec(gt)!;
      const call: ToolCall = { name: 'mv', arguments: { source: source!, destination: destination! } };
      const say = async (m: AssistantMessage) => {
        messages.push(m);
        messages.push(...(await env.step(m)).messages);
      };
      await say({ role: 'assistant', content: '', toolCalls: [call] });
      await say({ role: 'assistant', content: '' });
      return messages;
    },
  };
}
