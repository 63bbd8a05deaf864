import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BFCL_CATEGORIES, baseSplit, findEntry, functionDocs, loadEntries } from '../../../src/envs/bfcl/data.js';
import { pyRepr } from '../../../src/envs/bfcl/python/value.js';

test('the four categories load with their ground truth, and the configs keep floats', () => {
  for (const c of BFCL_CATEGORIES) {
    const entries = loadEntries(c);
    assert.equal(entries.length, 200, c);
    for (const e of entries) assert.equal(e.groundTruth.length, e.question.length, e.id);
  }
  // base_154's ground truth was merged to 5 turns to match its 5 questions (see data/bfcl/NOTICE).
  assert.equal(findEntry('multi_turn_base_154')!.groundTruth.length, 5);
  const trading = loadEntries('base').find((e) => e.initialConfig.has('TradingBot'))!;
  assert.match(pyRepr(trading.initialConfig.getItem('TradingBot')), /'balance': \d+\.\d+/);
  assert.equal(findEntry('multi_turn_simple_0'), undefined);
});

test("the paper's split: base 0-99 train, 100-199 test", () => {
  const train = baseSplit('train');
  const testSet = baseSplit('test');
  assert.equal(train.length, 100);
  assert.equal(testSet.length, 100);
  assert.equal(train[0]!.id, 'multi_turn_base_0');
  assert.equal(train[99]!.id, 'multi_turn_base_99');
  assert.equal(testSet[0]!.id, 'multi_turn_base_100');
  assert.equal(testSet[99]!.id, 'multi_turn_base_199');
});

test('function docs per class', () => {
  assert.equal(functionDocs('GorillaFileSystem').length, 18);
  assert.equal(functionDocs('MathAPI')[0]!.name, 'absolute_value');
  assert.throws(() => functionDocs('WebSearchAPI'), /no function docs/);
});
