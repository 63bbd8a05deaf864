import { pyRepr, valueError, type PyValue } from './value.js';

/**
 * Python's `random.Random` (CPython 3.11, Mersenne Twister MT19937), draw for draw: the original API classes seed it
 * from the scenario (`random.Random(scenario["random_seed"])`) and their ids, balances and temperatures are these
 * draws, so the port must reproduce them exactly. Only what the classes use is ported: integer seeding, `random()`,
 * `getrandbits`, `randrange`/`randint` and `uniform`.
 */
const N = 624;
const M = 397;

export class PyRandom {
  private readonly mt = new Uint32Array(N);
  private index = N + 1;

  /** `random.Random(seed)` for an int seed (Python hashes str/bytes seeds differently; the classes never use them). */
  constructor(seed: bigint | number) {
    this.seed(seed);
  }

  /** `seed(n)`: init_by_array over the 32-bit words of |n|, least significant first. */
  seed(seed: bigint | number): void {
    if (typeof seed === 'number' && !Number.isInteger(seed)) {
      throw valueError('only integer seeds are ported (Python hashes float seeds)');
    }
    let n = BigInt(seed);
    if (n < 0n) n = -n;
    const key: number[] = [];
    do {
      key.push(Number(n & 0xffffffffn));
      n >>= 32n;
    } while (n > 0n);
    this.initByArray(key);
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.index = N;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  /** genrand_uint32: the next 32 raw bits. */
  nextUint32(): number {
    const mt = this.mt;
    if (this.index >= N) {
      let kk = 0;
      for (; kk < N - M; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[kk + 1]! & 0x7fffffff);
        mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      for (; kk < N - 1; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[kk + 1]! & 0x7fffffff);
        mt[kk] = mt[kk + (M - N)]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      const y = (mt[N - 1]! & 0x80000000) | (mt[0]! & 0x7fffffff);
      mt[N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      this.index = 0;
    }
    let y = mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `random()`: a float in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `getrandbits(k)`: 32-bit words filled from least to most significant; the top word keeps its high bits. */
  getrandbits(k: number): bigint {
    if (k < 0) throw valueError('number of bits must be non-negative');
    if (k === 0) return 0n;
    if (k <= 32) return BigInt(this.nextUint32() >>> (32 - k));
    let result = 0n;
    let shift = 0n;
    for (let left = k; left > 0; left -= 32, shift += 32n) {
      let r = this.nextUint32();
      if (left < 32) r >>>= 32 - left;
      result |= BigInt(r) << shift;
    }
    return result;
  }

  /** `_randbelow(n)`: rejection sampling over n.bit_length() bits. */
  private randbelow(n: bigint): bigint {
    const k = n.toString(2).length;
    let r = this.getrandbits(k);
    while (r >= n) r = this.getrandbits(k);
    return r;
  }

  /** `randrange(start, stop)` (step 1). */
  randrange(start: bigint, stop: bigint): bigint {
    const width = stop - start;
    if (width <= 0n) throw valueError(`empty range in randrange(${start}, ${stop})`);
    return start + this.randbelow(width);
  }

  /** `randint(a, b)`: an int in [a, b], both ends included. */
  randint(a: bigint, b: bigint): bigint {
    return this.randrange(a, b + 1n);
  }

  /** `uniform(a, b)`: `a + (b - a) * random()`. */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.random();
  }
}

/**
 * The seed `random.Random(seed)` receives. It comes from a scenario's `random_seed` (never from the model), and no
 * shipped scenario sets one, so only the int seeds of the DEFAULT_STATEs are ported.
 */
export function seedOf(v: PyValue): bigint {
  if (typeof v === 'bigint') return v;
  throw new Error(`random_seed ${pyRepr(v)}: only int seeds are ported`);
}
