import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { parseConfig } from '../../src/core/config.js';
import { UserError } from '../../src/core/errors.js';

const schema = z.strictObject({
  lr: z.number().positive(),
  loss: z.strictObject({ kind: z.enum(['ppo', 'gspo']), clip: z.number().default(0.2) }),
});

test('valid config parses and fills defaults', () => {
  assert.deepEqual(parseConfig(schema, { lr: 0.1, loss: { kind: 'gspo' } }), { lr: 0.1, loss: { kind: 'gspo', clip: 0.2 } });
});

test('unknown keys are errors naming the key (the dead loss_mode guard)', () => {
  assert.throws(
    () => parseConfig(schema, { lr: 0.1, loss: { kind: 'gspo', loss_mode: 'seq' } }),
    (e: unknown) => e instanceof UserError && /unknown key 'loss\.loss_mode'/.test(e.message),
  );
});

test('wrong types are errors naming the key', () => {
  assert.throws(
    () => parseConfig(schema, { lr: '0.1', loss: { kind: 'ppo' } }, 'train config'),
    (e: unknown) => e instanceof UserError && /invalid train config/.test(e.message) && /lr:/.test(e.message),
  );
});
