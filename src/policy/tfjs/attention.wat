;; WebAssembly SIMD kernels for causal attention on one (sequence, head) block: the three product shapes that
;; forward and backward need, each over the lower triangle only (u <= t). Rows are dh floats (dh a multiple of 4);
;; matrices w and s are T x T, row-major. Pointers are byte offsets into the exported memory.
;; Compiled to attention-wasm.ts by `node src/policy/tfjs/wat-to-ts.mjs`.
(module
  (memory (export "memory") 1)

  ;; s[t][u] = a_t . b_u  for u <= t
  (func (export "scores") (param $a i32) (param $b i32) (param $s i32) (param $T i32) (param $dh i32)
    (local $t i32) (local $u i32) (local $j i32) (local $at i32) (local $bu i32) (local $row i32)
    (local $rowLen i32) (local $acc v128)
    (local.set $rowLen (i32.shl (local.get $dh) (i32.const 2)))
    (block $tDone (loop $tLoop
      (br_if $tDone (i32.ge_s (local.get $t) (local.get $T)))
      (local.set $at (i32.add (local.get $a) (i32.mul (local.get $t) (local.get $rowLen))))
      (local.set $row (i32.add (local.get $s) (i32.shl (i32.mul (local.get $t) (local.get $T)) (i32.const 2))))
      (local.set $u (i32.const 0))
      (block $uDone (loop $uLoop
        (br_if $uDone (i32.gt_s (local.get $u) (local.get $t)))
        (local.set $bu (i32.add (local.get $b) (i32.mul (local.get $u) (local.get $rowLen))))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $jDone (loop $jLoop
          (br_if $jDone (i32.ge_s (local.get $j) (local.get $rowLen)))
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul (v128.load (i32.add (local.get $at) (local.get $j))) (v128.load (i32.add (local.get $bu) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $jLoop)))
        (f32.store (i32.add (local.get $row) (i32.shl (local.get $u) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $uLoop)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tLoop))))

  ;; c_t = sum over u <= t of w[t][u] * b_u  (c overwritten)
  (func (export "mix") (param $w i32) (param $b i32) (param $c i32) (param $T i32) (param $dh i32)
    (local $t i32) (local $u i32) (local $j i32) (local $ct i32) (local $bu i32) (local $row i32)
    (local $rowLen i32) (local $wv v128)
    (local.set $rowLen (i32.shl (local.get $dh) (i32.const 2)))
    (block $tDone (loop $tLoop
      (br_if $tDone (i32.ge_s (local.get $t) (local.get $T)))
      (local.set $ct (i32.add (local.get $c) (i32.mul (local.get $t) (local.get $rowLen))))
      (local.set $row (i32.add (local.get $w) (i32.shl (i32.mul (local.get $t) (local.get $T)) (i32.const 2))))
      (local.set $j (i32.const 0))
      (block $zDone (loop $zLoop
        (br_if $zDone (i32.ge_s (local.get $j) (local.get $rowLen)))
        (v128.store (i32.add (local.get $ct) (local.get $j)) (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $zLoop)))
      (local.set $u (i32.const 0))
      (block $uDone (loop $uLoop
        (br_if $uDone (i32.gt_s (local.get $u) (local.get $t)))
        (local.set $wv (f32x4.splat (f32.load (i32.add (local.get $row) (i32.shl (local.get $u) (i32.const 2))))))
        (local.set $bu (i32.add (local.get $b) (i32.mul (local.get $u) (local.get $rowLen))))
        (local.set $j (i32.const 0))
        (block $jDone (loop $jLoop
          (br_if $jDone (i32.ge_s (local.get $j) (local.get $rowLen)))
          (v128.store (i32.add (local.get $ct) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $ct) (local.get $j)))
              (f32x4.mul (local.get $wv) (v128.load (i32.add (local.get $bu) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $jLoop)))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $uLoop)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tLoop))))

  ;; c_u += w[t][u] * a_t  for every u <= t  (c accumulated: the transpose product wᵀ·a)
  (func (export "mixT") (param $w i32) (param $a i32) (param $c i32) (param $T i32) (param $dh i32)
    (local $t i32) (local $u i32) (local $j i32) (local $at i32) (local $cu i32) (local $row i32)
    (local $rowLen i32) (local $wv v128)
    (local.set $rowLen (i32.shl (local.get $dh) (i32.const 2)))
    (block $tDone (loop $tLoop
      (br_if $tDone (i32.ge_s (local.get $t) (local.get $T)))
      (local.set $at (i32.add (local.get $a) (i32.mul (local.get $t) (local.get $rowLen))))
      (local.set $row (i32.add (local.get $w) (i32.shl (i32.mul (local.get $t) (local.get $T)) (i32.const 2))))
      (local.set $u (i32.const 0))
      (block $uDone (loop $uLoop
        (br_if $uDone (i32.gt_s (local.get $u) (local.get $t)))
        (local.set $wv (f32x4.splat (f32.load (i32.add (local.get $row) (i32.shl (local.get $u) (i32.const 2))))))
        (local.set $cu (i32.add (local.get $c) (i32.mul (local.get $u) (local.get $rowLen))))
        (local.set $j (i32.const 0))
        (block $jDone (loop $jLoop
          (br_if $jDone (i32.ge_s (local.get $j) (local.get $rowLen)))
          (v128.store (i32.add (local.get $cu) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $cu) (local.get $j)))
              (f32x4.mul (local.get $wv) (v128.load (i32.add (local.get $at) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $jLoop)))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $uLoop)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tLoop))))
)
