import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HuggingFaceTokenizer } from '../../src/policy/tokenizer/hugging-face.js';
import { CONVERSATIONS, TOOLS } from './hf-cases.js';
import { DEEPSEEK_V3_DIR, oracleUnavailable, QWEN3_DIR, renderWithPython } from './hf-oracle.js';

function seeupo(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/seeupo.js', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'seeupo-render-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const conv = CONVERSATIONS.find((c) => c.name === 'thinking after the last query is kept, with calls')!;
const messagesFile = join(dir, 'messages.json');
const toolsFile = join(dir, 'tools.json');
writeFileSync(messagesFile, JSON.stringify(conv.messages));
writeFileSync(toolsFile, JSON.stringify(TOOLS));

test('seeupo render prints exactly the text Python renders (tools, generation prompt, template kwargs)', { skip: oracleUnavailable() ?? false }, () => {
  const [withTools, plain, noThinking] = renderWithPython(QWEN3_DIR, [
    { messages: conv.messages, tools: TOOLS, add_generation_prompt: true },
    { messages: conv.messages, add_generation_prompt: false },
    { messages: conv.messages, add_generation_prompt: true, kwargs: { enable_thinking: false } },
  ]);
  const a = seeupo('render', '--tokenizer', QWEN3_DIR, '--messages', messagesFile, '--tools', toolsFile, '--generation-prompt');
  assert.equal(a.code, 0, a.err);
  assert.deepEqual({ text: a.out }, withTools);
  const b = seeupo('render', '--tokenizer', QWEN3_DIR, '--messages', messagesFile);
  assert.deepEqual({ text: b.out }, plain);
  const c = seeupo('render', '--tokenizer', QWEN3_DIR, '--messages', messagesFile, '--generation-prompt', '--template-kwargs', '{"enable_thinking": false}');
  assert.deepEqual({ text: c.out }, noThinking);
});

test('seeupo render --tokens prints the ids of the rendered text as a JSON array', () => {
  const text = seeupo('render', '--tokenizer', DEEPSEEK_V3_DIR, '--messages', messagesFile, '--generation-prompt');
  assert.equal(text.code, 0, text.err);
  assert.ok(text.out.startsWith('<｜begin▁of▁sentence｜>Think first.<｜User｜>Weather in Paris?'));
  const ids = seeupo('render', '--tokenizer', DEEPSEEK_V3_DIR, '--messages', messagesFile, '--generation-prompt', '--tokens');
  assert.equal(ids.code, 0, ids.err);
  const tokenizer = HuggingFaceTokenizer.fromFile(join(DEEPSEEK_V3_DIR, 'tokenizer.json'));
  assert.equal(ids.out, `${JSON.stringify(tokenizer.encode(text.out))}\n`);
  assert.equal((JSON.parse(ids.out) as number[])[0], 0, 'the template writes the BOS token itself');
});

test('seeupo render: bad inputs are one line and exit status 2', () => {
  const bad = join(dir, 'bad.json');
  const cases: Array<[string[], string]> = [
    [['--tokenizer', join(dir, 'none'), '--messages', messagesFile], `seeupo: cannot read ${join(dir, 'none', 'tokenizer_config.json')}: ENOENT\n`],
    [['--tokenizer', QWEN3_DIR, '--messages', join(dir, 'missing.json')], `seeupo: --messages: cannot read ${join(dir, 'missing.json')}: ENOENT\n`],
    [['--tokenizer', QWEN3_DIR, '--messages', messagesFile, '--template-kwargs', '[1]'], 'seeupo: --template-kwargs must be a JSON object\n'],
    [['--tokenizer', QWEN3_DIR, '--messages', messagesFile, '--tools', messagesFile + 'x'], `seeupo: --tools: cannot read ${messagesFile}x: ENOENT\n`],
  ];
  for (const [args, err] of cases) {
    const r = seeupo('render', ...args);
    assert.deepEqual([r.code, r.err, r.out], [2, err, ''], args.join(' '));
  }
  writeFileSync(bad, '{"role": "user"');
  const r1 = seeupo('render', '--tokenizer', QWEN3_DIR, '--messages', bad);
  assert.equal(r1.code, 2);
  assert.match(r1.err, new RegExp(`^seeupo: --messages: ${bad} is not valid JSON: .+\\n$`));
  writeFileSync(bad, '{"role": "user", "content": "hi"}');
  assert.equal(seeupo('render', '--tokenizer', QWEN3_DIR, '--messages', bad).err, `seeupo: --messages: ${bad} must hold a JSON array of chat messages\n`);
  writeFileSync(bad, '[{"role": "user", "content": "hi"}, "hello"]');
  assert.equal(seeupo('render', '--tokenizer', QWEN3_DIR, '--messages', bad).err, `seeupo: ${bad}: message 1 is not an object with a string "role"\n`);
  // Qwen 3's template cannot read `content: null`: the template's failure, in one line.
  writeFileSync(bad, '[{"role": "user", "content": "hi"}, {"role": "assistant", "content": null}]');
  const r2 = seeupo('render', '--tokenizer', QWEN3_DIR, '--messages', bad);
  assert.equal(r2.code, 2);
  assert.match(r2.err, /^seeupo: rendering the chat template of .*tokenizer_config\.json failed: .+\n$/);
  assert.equal(r2.err.split('\n').length, 2);
});
