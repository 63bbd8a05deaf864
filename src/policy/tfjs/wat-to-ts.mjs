// Compiles attention.wat into attention-wasm.ts (the binary as base64), so the package needs no WebAssembly
// toolchain at install or run time. Run after editing attention.wat: node src/policy/tfjs/wat-to-ts.mjs
// (test/policy/tfjs-attention.test.ts checks that the committed binary matches the .wat).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

export async function compileAttentionWat() {
  const wabt = await wabtInit();
  const src = readFileSync(fileURLToPath(new URL('./attention.wat', import.meta.url)), 'utf8');
  const mod = wabt.parseWat('attention.wat', src, { simd: true });
  const { buffer } = mod.toBinary({});
  mod.destroy();
  return Buffer.from(buffer);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const b64 = (await compileAttentionWat()).toString('base64');
  const out = fileURLToPath(new URL('./attention-wasm.ts', import.meta.url));
  writeFileSync(
    out,
    `// Generated from attention.wat by wat-to-ts.mjs; do not edit.\nexport const ATTENTION_WASM_BASE64 =\n  '${b64}';\n`,
  );
  console.log(`wrote ${out}`);
}
