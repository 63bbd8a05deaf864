import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ByteLevelTokenizer,
  DEFAULT_SPECIAL_TOKENS,
  HuggingFaceTokenizer,
  requireSpecialToken,
  toolCallHead,
  toolCallHeadTokens,
} from '../../src/policy/tokenizer/index.js';
import { UserError } from '../../src/core/errors.js';

const FIXTURE = 'test/fixtures/tiny-bpe/tokenizer.json';

test('byte-level: ids 0-255 are the UTF-8 bytes, specials follow from 256 in the documented order', () => {
  const tok = new ByteLevelTokenizer();
  assert.equal(tok.vocabSize, 256 + 9);
  assert.deepEqual(DEFAULT_SPECIAL_TOKENS, [
    '<|endoftext|>', '<|im_start|>', '<|im_end|>', '<tool_call>', '</tool_call>',
    '<tool_response>', '</tool_response>', '<think>', '</think>',
  ]);
  assert.equal(tok.specialTokenId('<|endoftext|>'), 256);
  assert.equal(tok.specialTokenId('<|im_start|>'), 257);
  assert.equal(tok.specialTokenId('</think>'), 264);
  assert.equal(tok.specialTokenId('<nope>'), undefined);
  assert.deepEqual(tok.encode('Hi!'), [72, 105, 33]);
  assert.deepEqual(tok.encode('é€'), [0xc3, 0xa9, 0xe2, 0x82, 0xac]);
  assert.deepEqual(tok.encode(''), []);
  assert.equal(tok.isSpecial(255), false);
  assert.equal(tok.isSpecial(256), true);
  assert.equal(tok.isSpecial(265), false);
});

test('byte-level: special-token strings in text become single ids, bytes around them stay bytes', () => {
  const tok = new ByteLevelTokenizer();
  assert.deepEqual(tok.encode('<|im_start|>user\nhi<|im_end|>'), [257, 117, 115, 101, 114, 10, 104, 105, 258]);
  // A near-miss stays bytes.
  assert.deepEqual(tok.encode('<think'), [60, 116, 104, 105, 110, 107]);
  assert.deepEqual(tok.encode('<think></think>'), [263, 264]);
});

test('byte-level: the longest special token starting at a position wins', () => {
  const tok = new ByteLevelTokenizer({ extraSpecialTokens: ['<tool', '<tool_call>x'] });
  assert.equal(tok.vocabSize, 256 + 9 + 2);
  assert.deepEqual(tok.encode('<tool_call>x<tool_call><tool'), [266, 259, 265]);
});

test('byte-level: decode inverts encode, including specials and multi-byte characters', () => {
  const tok = new ByteLevelTokenizer();
  const text = '<|im_start|>assistant\nnaïve → ok <tool_call>\n{"a": 1}\n</tool_call><|im_end|>';
  assert.equal(tok.decode(tok.encode(text)), text);
});

test('byte-level: invalid UTF-8 (a sample cut mid-character) decodes to U+FFFD; ids outside the vocabulary throw', () => {
  const tok = new ByteLevelTokenizer();
  assert.equal(tok.decode([0x61, 0xe2, 0x82]), 'a\ufffd');
  assert.equal(tok.decode([0xe2, 0x82, 257, 0x62]), '\ufffd<|im_start|>b');
  assert.throws(() => tok.decode([265]), /outside the vocabulary \[0, 265\)/);
  assert.throws(() => tok.decode([-1]), RangeError);
});

test('byte-level: tool-call heads are one token each', () => {
  assert.equal(toolCallHead('ls'), '{"name": "ls", "arguments": ');
  const heads = toolCallHeadTokens(['ls', 'cd', 'ls']);
  assert.deepEqual(heads, ['{"name": "ls", "arguments": ', '{"name": "cd", "arguments": ']);
  const tok = new ByteLevelTokenizer({ extraSpecialTokens: heads });
  const ids = tok.encode('<tool_call>\n{"name": "cd", "arguments": {}}\n</tool_call>');
  assert.deepEqual(ids, [259, 10, 266, 123, 125, 125, 10, 260]);
  // A tool name outside a call head is plain bytes: text mentioning "ls" does not change.
  assert.deepEqual(tok.encode('ls'), [108, 115]);
});

test('byte-level: duplicated or empty special tokens are rejected', () => {
  assert.throws(() => new ByteLevelTokenizer({ extraSpecialTokens: ['<think>'] }), /listed twice/);
  assert.throws(() => new ByteLevelTokenizer({ extraSpecialTokens: [''] }), /empty string/);
});

test('requireSpecialToken names the missing token', () => {
  const tok = new ByteLevelTokenizer();
  assert.equal(requireSpecialToken(tok, '<|im_end|>'), 258);
  assert.throws(() => requireSpecialToken(tok, '<|eot|>'), (e: unknown) => e instanceof UserError && /no special token "<\|eot\|>"/.test(e.message));
});

// The fixture is a GPT-2-style byte-level BPE: ids 0-255 are the byte symbols (id = byte value), then the merges
// h e, l l, he ll, hell o, Ġ w, o r, Ġw or, Ġwor l, Ġworl d, l o (ids 256-265, in rank order), then the added
// tokens <|endoftext|> 266, <|im_start|> 267, <|im_end|> 268, <tool_call> 269, </tool_call> 270.
test('tokenizer.json: BPE merges apply in rank order (hand-computed ids)', () => {
  const tok = HuggingFaceTokenizer.fromFile(FIXTURE);
  assert.equal(tok.vocabSize, 271);
  // hello → he,l,l,o → he,ll,o → hell,o → hello (259); " world" → Ġworld (264).
  assert.deepEqual(tok.encode('hello world'), [259, 264]);
  // "llo": l l (rank 1) beats l o (rank 9): ll,o. " lo" → Ġ, lo. "ello" has no e-ll merge: e, ll, o.
  assert.deepEqual(tok.encode('ello llo lo'), [101, 257, 111, 32, 257, 111, 32, 265]);
  // The pre-tokenizer gives " hello", " ", " world": the lone space is Ġ (byte 32).
  assert.deepEqual(tok.encode(' hello  world'), [32, 259, 32, 264]);
  // Non-ASCII: byte symbols of the UTF-8 bytes; newline is byte 10.
  assert.deepEqual(tok.encode('é\n'), [0xc3, 0xa9, 10]);
});

test('tokenizer.json: added tokens are split out before BPE and decode exactly, with no BOS/EOS added', () => {
  const tok = HuggingFaceTokenizer.fromFile(FIXTURE);
  const text = '<|im_start|>user\nhello<|im_end|>';
  assert.deepEqual(tok.encode(text), [267, 117, 115, 101, 114, 10, 259, 268]);
  assert.equal(tok.decode(tok.encode(text)), text);
  const call = 'a<tool_call>{"x": 1}</tool_call>';
  assert.deepEqual(tok.encode(call), [97, 269, 123, 34, 120, 34, 58, 32, 49, 125, 270]);
  assert.equal(tok.decode(tok.encode(call)), call);
  assert.equal(tok.decode(tok.encode(' hello  world ')), ' hello  world ');
  assert.equal(tok.decode([]), '');
  // As in the byte-level tokenizer: bytes that are not valid UTF-8 decode to U+FFFD, specials stay exact.
  assert.equal(tok.decode([104, 0xc3, 267, 0xa9]), 'h\ufffd<|im_start|>\ufffd');
  assert.equal(tok.specialTokenId('<tool_call>'), 269);
  assert.equal(tok.isSpecial(269), true);
  assert.equal(tok.isSpecial(259), false);
  assert.throws(() => tok.decode([271]), /outside the vocabulary/);
});

test('tokenizer.json: a missing or invalid file is a UserError naming the path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'seeupo-tok-'));
  assert.throws(() => HuggingFaceTokenizer.fromFile(join(dir, 'absent.json')), (e: unknown) => e instanceof UserError && /absent\.json: ENOENT/.test(e.message));
  const bad = join(dir, 'tokenizer.json');
  writeFileSync(bad, '{not json');
  assert.throws(() => HuggingFaceTokenizer.fromFile(bad), (e: unknown) => e instanceof UserError && /is not valid JSON/.test(e.message));
  writeFileSync(bad, '{"version": "1.0"}');
  assert.throws(() => HuggingFaceTokenizer.fromFile(bad), (e: unknown) => e instanceof UserError && /no "model" object/.test(e.message));
  writeFileSync(bad, JSON.stringify({ model: { type: 'NoSuchModel' }, added_tokens: [] }));
  assert.throws(() => HuggingFaceTokenizer.fromFile(bad), (e: unknown) => e instanceof UserError && /cannot build a tokenizer/.test(e.message));
});
