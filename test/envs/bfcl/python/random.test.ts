import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyRandom } from '../../../../src/envs/bfcl/python/random.js';

// Expected values printed by CPython 3.11.7's random.Random with the same seeds and calls.
test('randint matches random.Random(seed).randint', () => {
  const r = new PyRandom(1053520);
  assert.deepEqual(
    [r.randint(1000000000n, 2000000000n), r.randint(1000000000n, 2000000000n), r.randint(1000000000n, 2000000000n)],
    [1565371734n, 1057302391n, 1530743649n],
  );
  const t = new PyRandom(141053n);
  assert.deepEqual(
    [t.randint(100000n, 999999n), t.randint(100000000000n, 999999999999n), t.randint(10000n, 99999n)],
    [251675n, 391310425148n, 58617n],
  );
  assert.equal(t.uniform(-10.0, 40.0), -0.4873295338339041);
  assert.equal(t.random(), 0.6422889192491581);
});

test('seed 0, multi-word seeds and wide getrandbits match Python', () => {
  const r = new PyRandom(0);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => r.randint(1n, 6n)), [4n, 4n, 1n, 3n, 5n]);
  assert.equal(r.getrandbits(70), 1077380872654375207397n);
  const big = new PyRandom(2n ** 40n + 123n);
  assert.equal(big.getrandbits(32), 4053542138n);
  assert.equal(big.randint(0n, 10n ** 20n), 18959942522439138161n);
});

test('randrange rejects an empty range', () => {
  assert.throws(() => new PyRandom(1).randrange(5n, 5n), { name: 'ValueError' });
});
