// The GPT policy model behind the N-API addon: plain C++ types only, so that <torch/torch.h> (about 18 s and
// 1.2 GB per translation unit to compile) is included by gpt.cc alone and the binding code compiles fast.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace seeupo {

struct ModelConfig {
  int64_t vocabSize = 0;
  int64_t contextLength = 0;
  int64_t dModel = 0;
  int64_t nLayers = 0;
  int64_t nHeads = 0;
};

// A host copy of a tensor: raw little-endian float32 or float64 values, row-major.
struct HostArray {
  bool f64 = false;
  std::vector<int64_t> shape;
  std::vector<char> bytes;
  int64_t numel() const { return static_cast<int64_t>(bytes.size() / (f64 ? 8 : 4)); }
};

struct NamedArray {
  std::string name;
  HostArray value;
};

// Sequences packed end to end: sequence i is tokens[offset_i, offset_i + lengths[i]), scored from responseStarts[i].
struct SequenceBatch {
  std::vector<int32_t> tokens;
  std::vector<int32_t> lengths;
  std::vector<int32_t> responseStarts;
};

struct AdamWOptions {
  double lr = 0;
  double beta1 = 0.9;
  double beta2 = 0.95;
  double eps = 1e-8;
  double weightDecay = 0;
  double maxGradNorm = 0;  // <= 0: no clipping
};

struct StepResult {
  double gradNorm = 0;
  bool skipped = false;
  int64_t step = 0;  // optimizer steps taken so far (skipped ones excluded)
};

struct SampleOptions {
  int64_t maxTokens = 0;
  double temperature = 1;
  double topP = 1;
  std::vector<int32_t> stopTokens;
  // Each prompt's generator state (xoshiro128** s0..s3), derived in TypeScript (Rng(seed).fork("sample:" + i)).
  std::vector<uint32_t> rngStates;
  // Each prompt's session id ('' for none), or empty: the session's cached prefix is reused and its new cache kept.
  std::vector<std::string> sessions;
};

// Generated tokens of every prompt packed end to end (lengths[i] each), with their behaviour log-probs.
struct SampleResult {
  std::vector<int32_t> tokens;
  std::vector<float> logprobs;
  std::vector<int32_t> lengths;
  std::vector<uint8_t> stopped;  // 1: ended on a stop token, 0: ran out of maxTokens or context
  std::vector<int32_t> reused;   // prompt tokens taken from the session's cache instead of read again
};

struct SessionStats {
  int64_t sessions = 0;
  int64_t bytes = 0;
};

struct OptimizerState {
  int64_t step = 0;
  std::vector<NamedArray> expAvg;
  std::vector<NamedArray> expAvgSq;
};

// Facts about the linked libtorch and BLAS, for `seeupo doctor` and the bench.
struct RuntimeInfo {
  std::string torchVersion;
  std::string blas;  // OpenBLAS's config string, or a note that another BLAS is in use
  std::string parallel;
};
RuntimeInfo runtimeInfo();

// Not thread-safe: the addon calls every method from one dedicated worker thread.
class Gpt {
 public:
  // threads: torch intra-op threads; OpenBLAS is pinned to one thread (its own threads are not bounded by torch).
  Gpt(const ModelConfig& config, bool f64, int threads);
  ~Gpt();
  Gpt(const Gpt&) = delete;
  Gpt& operator=(const Gpt&) = delete;

  void setWeights(const std::vector<NamedArray>& weights);
  std::vector<NamedArray> weights() const;
  // Accumulated gradients (zeros where none has accumulated since the last step).
  std::vector<NamedArray> grads() const;
  OptimizerState optimizerState() const;
  void setOptimizerState(const OptimizerState& state);

  HostArray logprobs(const SequenceBatch& batch);
  HostArray forwardBackward(const SequenceBatch& batch, const HostArray& dLdLogp);
  // One forward for a gradient that depends on the log-probs: forwardKeep returns them and keeps the graph;
  // backwardKept back-propagates dLdLogp through it (nullptr: drops it). A weight change drops a kept graph.
  HostArray forwardKeep(const SequenceBatch& batch);
  HostArray backwardKept(const HostArray* dLdLogp);
  StepResult optimStep(const AdamWOptions& opts);
  // prompts packed end to end like SequenceBatch (tokens, lengths).
  SampleResult sample(const std::vector<int32_t>& tokens, const std::vector<int32_t>& lengths, const SampleOptions& opts);
  // Session caches: freed by endSessions, least recently used ones evicted beyond the byte budget, all dropped
  // when the weights change (setWeights, a taken optimizer step).
  void endSessions(const std::vector<std::string>& ids);
  void setSessionBudget(int64_t bytes);
  SessionStats sessionStats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace seeupo
