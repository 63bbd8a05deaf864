// A full BFCL-style episode (system prompt with tool schemas, user, assistant with tool calls, tool results,
// assistant answer, next user question, ...) driven through ChatConversation the way a rollout drives it: the
// "sampled" assistant tokens are what a model would emit; the test checks that the token stream round-trips
// exactly and that every turn's training view lines up with what was sampled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatConversation, renderChatText, renderChatTokens, toolCallText, type ChatMessage, type ToolCall } from '../../src/policy/chat/index.js';
import {
  ByteLevelTokenizer,
  HuggingFaceTokenizer,
  toolCallHead,
  toolCallHeadTokens,
  type Tokenizer,
} from '../../src/policy/tokenizer/index.js';

// Two GorillaFileSystem functions of BFCL v4 multi-turn, in OpenAI function format.
const fn = (name: string, description: string, params: Record<string, string>) => ({
  type: 'function',
  function: {
    name,
    description: `This tool belongs to the Gorilla file system. Tool description: ${description}`,
    parameters: {
      type: 'dict',
      properties: Object.fromEntries(Object.entries(params).map(([k, d]) => [k, { type: 'string', description: d }])),
      required: Object.keys(params),
    },
  },
});
const tools = [
  fn('cd', 'Change the current working directory to the specified folder.', { folder: 'The folder of the directory to change to.' }),
  fn('mkdir', 'Create a new directory in the current directory.', { dir_name: 'The name of the new directory.' }),
  fn('mv', 'Move a file or directory from one location to another.', { source: 'Source name.', destination: 'Destination name.' }),
];
const toolNames = tools.map((t) => t.function.name);

const cdDoc: ToolCall = { name: 'cd', arguments: { folder: 'document' } };
const mkTemp: ToolCall = { name: 'mkdir', arguments: { dir_name: 'temp' } };
const mvReport: ToolCall = { name: 'mv', arguments: { source: 'final_report.pdf', destination: 'temp' } };

/** The episode as structured messages; assistant messages are what the model will "sample". */
const episode: ChatMessage[] = [
  { role: 'system', content: 'You are an agent that operates a file system. Call tools to do what the user asks.' },
  { role: 'user', content: "Move 'final_report.pdf' within document directory to 'temp' directory in document. Make sure to create the directory" },
  { role: 'assistant', content: '', toolCalls: [cdDoc, mkTemp] },
  { role: 'tool', content: '{"current_working_directory": "document"}' },
  { role: 'tool', content: 'None' },
  { role: 'assistant', content: '<think>Now move it; not <tool_call>{"name": "cd", "arguments": {"folder": ".."}}</tool_call>.</think>', toolCalls: [mvReport] },
  { role: 'tool', content: '{"result": "final_report.pdf moved to temp"}' },
  { role: 'assistant', content: "Done: 'final_report.pdf' is now in document/temp." },
  { role: 'user', content: 'Thanks — é ✓' },
  { role: 'assistant', content: 'You are welcome.' },
];

/** Plays the episode: prompts are taken from the conversation, assistant turns are fed as sampled ids. */
function play(tokenizer: Tokenizer) {
  const conv = new ChatConversation(tokenizer, tools);
  const turns = [];
  let i = 0;
  while (i < episode.length) {
    const m = episode[i]!;
    if (m.role !== 'assistant') {
      conv.add(m);
      i++;
      continue;
    }
    conv.promptTokens();
    const body = renderChatText([m]).slice('<|im_start|>assistant\n'.length, -1); // through <|im_end|>
    const sampled = tokenizer.encode(body);
    turns.push(conv.addSampledAssistant(sampled, sampled.map((_, k) => -0.01 * (k + 1))));
    i++;
  }
  return { conv, turns };
}

for (const [label, make] of [
  ['byte-level', () => new ByteLevelTokenizer()],
  ['byte-level + tool-call heads', () => new ByteLevelTokenizer({ extraSpecialTokens: toolCallHeadTokens(toolNames) })],
  ['tokenizer.json (BPE fixture)', () => HuggingFaceTokenizer.fromFile('test/fixtures/tiny-bpe/tokenizer.json')],
] as const) {
  test(`BFCL-like episode round-trips exactly (${label})`, () => {
    const tokenizer = make();
    const { conv, turns } = play(tokenizer);
    const tokens = conv.tokens();
    const text = renderChatText(episode, { tools });
    // The token stream is the rendered conversation, and rendering the structured messages gives the same ids.
    assert.equal(tokenizer.decode(tokens), text);
    assert.deepEqual(tokens, renderChatTokens(tokenizer, episode, { tools }));
    assert.equal(turns.length, 4);
    const assistant = episode.filter((m) => m.role === 'assistant');
    for (const [t, turn] of turns.entries()) {
      assert.equal(turn.index, t);
      assert.equal(turn.finishReason, 'stop');
      // Every later context extends this turn's context + response.
      const next = turns[t + 1];
      const seen = [...turn.contextTokens, ...turn.responseTokens];
      assert.deepEqual((next ? next.contextTokens : tokens).slice(0, seen.length), seen);
      // Trained tokens = sampled tokens: the masked part decodes to the assistant message through <|im_end|>.
      const trained = turn.responseTokens.filter((_, k) => turn.lossMask[k] === 1);
      assert.equal(tokenizer.decode(trained), renderChatText([assistant[t]!]).slice('<|im_start|>assistant\n'.length, -1));
      assert.deepEqual(turn.responseTokens.slice(trained.length), tokenizer.encode('\n'));
      assert.equal(turn.behaviourLogprobs.length, turn.responseTokens.length);
      assert.deepEqual(turn.behaviourLogprobs.slice(trained.length), [0]);
      // The environment gets the calls back, but not the one inside <think>.
      assert.deepEqual(turn.message.toolCalls, (assistant[t] as { toolCalls?: ToolCall[] }).toolCalls ?? []);
      assert.deepEqual(turn.message.toolCallErrors, []);
    }
    assert.equal(turns[1]!.message.reasoning, 'Now move it; not <tool_call>{"name": "cd", "arguments": {"folder": ".."}}</tool_call>.');
    assert.equal(turns[1]!.message.content, '');
    assert.equal(turns[2]!.message.content, "Done: 'final_report.pdf' is now in document/temp.");
    // The two tool results after turn 0 are one user block.
    assert.ok(text.includes('<|im_start|>user\n<tool_response>\n{"current_working_directory": "document"}\n</tool_response>\n<tool_response>\nNone\n</tool_response><|im_end|>\n'));
  });
}

test('tool-call heads save exactly (head bytes - 1) tokens per call', () => {
  const plain = play(new ByteLevelTokenizer()).conv.tokens().length;
  const withHeads = play(new ByteLevelTokenizer({ extraSpecialTokens: toolCallHeadTokens(toolNames) })).conv.tokens().length;
  // Three calls (cd, mkdir, mv); the cd inside <think> is written with a head too, and encode() maps it the same way.
  const saved = [cdDoc, mkTemp, mvReport, { name: 'cd', arguments: {} }].map((c) => Buffer.byteLength(toolCallHead(c.name)) - 1);
  assert.equal(plain - withHeads, saved.reduce((a, b) => a + b, 0));
  assert.equal(toolCallText(cdDoc), '<tool_call>\n{"name": "cd", "arguments": {"folder": "document"}}\n</tool_call>');
});
