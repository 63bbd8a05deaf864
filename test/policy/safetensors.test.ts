import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../src/core/errors.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/policy/safetensors.js';

test('encodes the standard byte layout: u64 header length, padded JSON header, little-endian f32 data', () => {
  const bytes = encodeSafetensors(new Map([['a', { shape: [2], data: Float32Array.of(1, -2) }]]), { k: 'v' });
  const json = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
  assert.equal(padded.length % 8, 0);
  const view = new DataView(bytes.buffer);
  assert.equal(Number(view.getBigUint64(0, true)), padded.length);
  assert.equal(Buffer.from(bytes.subarray(8, 8 + padded.length)).toString('utf8'), padded);
  // 1.0f = 0x3f800000, -2.0f = 0xc0000000, little-endian
  assert.deepEqual([...bytes.subarray(8 + padded.length)], [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
});

test('round-trips names, shapes, values and metadata', () => {
  const t = new Map([
    ['w', { shape: [2, 3], data: Float32Array.of(0.5, 1, 2, 3, 4, Math.fround(0.1)) }],
    ['b', { shape: [1], data: Float32Array.of(-7) }],
  ]);
  const back = decodeSafetensors(encodeSafetensors(t, { step: '3' }));
  assert.deepEqual(back.metadata, { step: '3' });
  assert.deepEqual([...back.tensors.keys()], ['w', 'b']);
  assert.deepEqual(back.tensors.get('w'), t.get('w'));
  assert.deepEqual(back.tensors.get('b'), t.get('b'));
});

test('rejects malformed files with a UserError naming the source', () => {
  const good = encodeSafetensors(new Map([['a', { shape: [2], data: Float32Array.of(1, 2) }]]));
  const isUser = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(e.message);
  assert.throws(() => decodeSafetensors(good.subarray(0, 5), 'f.st'), isUser(/f\.st: .*shorter than 8 bytes/));
  assert.throws(() => decodeSafetensors(good.subarray(0, good.length - 4), 'f.st'), isUser(/'a' data_offsets \[0, 8\] outside the data/));
  const f16 = Buffer.from(Buffer.from(good).toString('latin1').replace('"F32"', '"F16"'), 'latin1');
  assert.throws(() => decodeSafetensors(f16, 'f.st'), isUser(/dtype F16; only F32/));
  const bad = new Uint8Array(16);
  new DataView(bad.buffer).setBigUint64(0, 1000n, true);
  assert.throws(() => decodeSafetensors(bad, 'f.st'), isUser(/header length 1000 exceeds/));
});
