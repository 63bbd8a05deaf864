// The generator of src/core/rng.ts (xoshiro128**), so that a generator state means the same stream of draws in the
// native back end as in TypeScript.
#pragma once

#include <cstdint>

namespace seeupo {

class Rng {
 public:
  // Resumes a generator from Rng.getState().s.
  Rng(uint32_t s0, uint32_t s1, uint32_t s2, uint32_t s3) : s0_(s0), s1_(s1), s2_(s2), s3_(s3) {}

  uint32_t nextUint32() {
    const uint32_t result = rotl(s1_ * 5u, 7) * 9u;
    const uint32_t t = s1_ << 9;
    s2_ ^= s0_;
    s3_ ^= s1_;
    s1_ ^= s2_;
    s0_ ^= s3_;
    s2_ ^= t;
    s3_ = rotl(s3_, 11);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits, as Rng.next().
  double next() {
    const uint32_t hi = nextUint32() >> 5;
    const uint32_t lo = nextUint32() >> 6;
    return (static_cast<double>(hi) * 67108864.0 + static_cast<double>(lo)) / 9007199254740992.0;
  }

 private:
  static uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
  uint32_t s0_, s1_, s2_, s3_;
};

}  // namespace seeupo
