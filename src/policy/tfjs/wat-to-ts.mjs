// Compiles simd.wat into simd-wasm.ts (the binary as base64), so the package needs no WebAssembly
// toolchain at install or run time. Run after editing simd.wat: node src/policy/tfjs/wat-to-ts.mjs
// (test/policy/tfjs-simd.test.ts checks that the committed binary matches the .wat).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

export async function compileSimdWat() {
  const wabt = await wabtInit();
  const src = readFileSync(fileURLToPath(new URL('./simd.wat', import.meta.url)), 'utf8');
  const mod = wabt.parseWat('simd.wat', src, { simd: true });
  const { buffer } = mod.toBinary({});
  mod.destroy();
  return Buffer.from(buffer);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const b64 = (await compileSimdWat()).toString('base64');
  const out = fileURLToPath(new URL('./simd-wasm.ts', import.meta.url));
  writeFileSync(
    out,
    `// Generated from simd.wat by wat-to-ts.mjs; do not edit.\nexport const SIMD_WASM_BASE64 =\n  '${b64}';\n`,
  );
  console.log(`wrote ${out}`);
}
