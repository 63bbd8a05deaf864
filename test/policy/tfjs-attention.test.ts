import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ATTENTION_WASM_BASE64 } from '../../src/policy/tfjs/attention-wasm.js';

test('the committed attention kernels binary is attention.wat compiled (node src/policy/tfjs/wat-to-ts.mjs)', async () => {
  // wabt is a devDependency: the check runs from a source checkout, where the .wat can change.
  const { compileAttentionWat } = (await import(`${process.cwd()}/src/policy/tfjs/wat-to-ts.mjs`)) as { compileAttentionWat: () => Promise<Buffer> };
  assert.equal((await compileAttentionWat()).toString('base64'), ATTENTION_WASM_BASE64);
});
