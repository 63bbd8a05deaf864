import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompactRenderer } from '../../src/render/compact.js';
import { compactVocabulary } from '../../src/train/vocabulary.js';
import { entryFunctionDocs, openAiTool } from '../../src/envs/bfcl/tools.js';
import type { ChatMessage } from '../../src/core/messages.js';
import { Rng } from '../../src/core/rng.js';

const classes = ['GorillaFileSystem', 'MathAPI'];
const renderer = new CompactRenderer(compactVocabulary(classes, ['report', 'pdf', 'move', 'archive', 'the', 'file', 'to']));
const tools = entryFunctionDocs(classes).map(openAiTool);
const t = renderer.tokenizer;

test('compact: names, keys and words are single tokens; results bare; the tool list is not in the prompt', () => {
  const conv = renderer.conversation(tools);
  conv.add({ role: 'user', content: 'move the report.pdf to archive' });
  const prompt = conv.promptTokens();
  // <user> move ␣ the ␣ report . pdf ␣ to ␣ archive <asst>: a word is one token, the same wherever it appears
  assert.equal(prompt.length, 13);
  assert.deepEqual(prompt.slice(5, 8), renderer.tokenizer.encode('report.pdf'));
  assert.equal(renderer.decode(prompt), '<user>move the report.pdf to archive<asst>');
  const resp = renderer.encodeResponse({ role: 'assistant', content: '', toolCalls: [{ name: 'mv', arguments: { source: 'report.pdf', destination: 'archive' } }] });
  assert.equal(renderer.decode(resp), '<call:mv><arg:source>report.pdf<arg:destination>archive<eom>');
  assert.equal(resp.length, 8);
  assert.deepEqual(renderer.stopTokens, [t.id('<eom>')]);
});

test('compact: a sampled response parses back; the next context is the exact sampled tokens plus the rendered reply', () => {
  const conv = renderer.conversation(tools);
  conv.add({ role: 'user', content: 'move the report.pdf to archive' });
  const ids = renderer.encodeResponse({
    role: 'assistant',
    content: '',
    toolCalls: [
      { name: 'mv', arguments: { source: 'report.pdf', destination: 'archive' } },
      { name: 'add', arguments: { a: 2, b: 3.5 } },
    ],
  });
  const p0 = conv.promptTokens();
  const turn = conv.addSampled(ids, ids.map(() => -0.5));
  assert.equal(turn.finishReason, 'stop');
  assert.deepEqual(turn.message.toolCalls, [
    { name: 'mv', arguments: { source: 'report.pdf', destination: 'archive' } },
    { name: 'add', arguments: { a: 2, b: 3.5 } },
  ]);
  assert.deepEqual(turn.contextTokens, p0);
  assert.deepEqual(turn.lossMask, ids.map(() => 1));
  conv.add({ role: 'tool', content: '{"result": null}' });
  const p1 = conv.promptTokens();
  assert.deepEqual(p1.slice(0, p0.length + ids.length), [...p0, ...ids]);
});

test('compact: malformed output becomes invalid calls in order, never an exception (random token fuzz)', () => {
  const conv = renderer.conversation(tools);
  const mv = t.id('<call:mv>');
  const src = t.id('<arg:source>');
  const a = t.id('<arg:a>');
  const add = t.id('<call:add>');
  // add with a non-number, then a valid mv, then an argument outside a call, then a duplicated key.
  const ids = [add, a, ...t.encode('x'), mv, src, ...t.encode('f'), t.id('<user>'), ...t.encode('hi')];
  const m = renderer.parseResponse(ids, new Map([['add', new Map([['a', 'number']])]]));
  assert.deepEqual(m.toolCalls, []);
  assert.equal(m.invalidToolCalls!.length, 2);
  assert.match(m.invalidToolCalls![0]!.error, /not a number/);
  assert.match(m.invalidToolCalls![1]!.error, /unexpected <user>/);
  const rng = new Rng(7);
  for (let trial = 0; trial < 2000; trial++) {
    const n = rng.int(30);
    const sample = Array.from({ length: n }, () => rng.int(renderer.vocabSize));
    const eom = sample.indexOf(t.id('<eom>'));
    const cut = eom >= 0 ? sample.slice(0, eom + 1) : sample;
    const c = renderer.conversation(tools);
    c.add({ role: 'user', content: 'hi' });
    const turn = c.addSampled(cut, cut.map(() => -1));
    assert.equal(turn.responseTokens.length, cut.length + (eom >= 0 ? 0 : 1));
    for (const bad of turn.message.invalidToolCalls ?? []) assert.equal(typeof bad.error, 'string');
  }
  void conv;
});

test('compact: a supervised example masks exactly the assistant tokens', () => {
  const messages: ChatMessage[] = [
    { role: 'user', content: 'move the report.pdf to archive' },
    { role: 'assistant', content: '', toolCalls: [{ name: 'mv', arguments: { source: 'report.pdf', destination: 'archive' } }] },
    { role: 'tool', content: '{"result": "ok"}' },
    { role: 'assistant', content: '' },
  ];
  const ex = renderer.supervisedExample(messages, tools);
  const masked = ex.tokens.filter((_, i) => ex.lossMask[i] === 1);
  assert.equal(renderer.decode(masked), '<call:mv><arg:source>report.pdf<arg:destination>archive<eom><eom>');
  assert.equal(ex.tokens.length, ex.lossMask.length);
});
