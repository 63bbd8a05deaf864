// The GPT policy in libtorch: forward log-probs, backward from a given dL/dlogp, AdamW, sampling with a KV cache.
// The only translation unit that includes <torch/torch.h> (see gpt.h). Architecture and weight layout are the shared
// policy spec (docs/native-backend.md): GPT-2-style pre-LayerNorm decoder, learned positions, tied output head.
#include "gpt.h"

#include <dlfcn.h>
#include <malloc.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <list>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

#include "rng.h"

namespace seeupo {

namespace {

using torch::Tensor;

// Torch's own errors carry a C++ backtrace in what(); users get the message alone.
template <class F>
auto translateErrors(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const c10::Error& e) {
    throw std::runtime_error(e.what_without_backtrace());
  }
}

// torch::set_num_threads does not bound OpenBLAS's own threads, and torch N + OpenBLAS N threads on N cores ran
// slower than either alone: pin OpenBLAS to one thread. The addon is loaded without RTLD_GLOBAL, so look the
// symbol up in the already-loaded BLAS library itself.
void* openblasSymbol(const char* name) {
  for (const char* lib : {"libblas.so.3", "libopenblas.so.0", "libopenblas.so"}) {
    void* handle = dlopen(lib, RTLD_LAZY | RTLD_NOLOAD);
    if (handle == nullptr) continue;
    void* sym = dlsym(handle, name);
    dlclose(handle);
    if (sym != nullptr) return sym;
  }
  return nullptr;
}

void pinOpenblasToOneThread() {
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(openblasSymbol("openblas_set_num_threads"))) set(1);
}

// glibc's malloc returns freed blocks above its mmap threshold to the kernel and trims the heap top beyond its trim
// threshold; both thresholds adapt to the largest block freed so far. Sampling a lockstep batch of 256 rows makes
// short-lived tensors of ~6 MB per decode step (and, before chunked prefill, ~90 MB per call), so every step took
// them fresh from the kernel: ~40k page faults per call, a quarter to a third of its CPU time in the kernel.
// Fixed thresholds keep up to 128 MB of freed memory for reuse. Process-wide (the addon runs inside Node); skipped
// when the environment sets any MALLOC_* tuning.
void keepFreedMemory() {
#ifdef __GLIBC__
  static const bool once = [] {
    for (const char* v : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES"}) {
      if (std::getenv(v) != nullptr) return false;
    }
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    return true;
  }();
  (void)once;
#endif
}

HostArray toHost(const Tensor& t) {
  Tensor c = t.detach().contiguous();
  HostArray out;
  out.f64 = c.scalar_type() == torch::kFloat64;
  out.shape.assign(c.sizes().begin(), c.sizes().end());
  out.bytes.resize(c.numel() * c.element_size());
  if (!out.bytes.empty()) std::memcpy(out.bytes.data(), c.data_ptr(), out.bytes.size());
  return out;
}

Tensor fromHost(const HostArray& a, torch::Dtype dtype) {
  auto src = torch::from_blob(const_cast<char*>(a.bytes.data()), {a.numel()}, a.f64 ? torch::kFloat64 : torch::kFloat32);
  return src.to(dtype).clone();
}

constexpr int64_t kAttentionBlock = 64;

// softmax(q·kᵀ·scale + causal mask)·v on [BH, L, hd]. Queries go in blocks of kAttentionBlock, each against the
// keys up to its own end only, so the masked upper triangle is mostly never computed: with 4 blocks the score
// matmuls, softmax and their gradients do 5/8 of the work (attention was ~40% of a training step at context 256).
// baddbmm fuses the scale and the additive mask into the score matmul (the fastest form measured with torch 1.13).
// With `probs`, keeps each block's attention probabilities for the backward pass.
Tensor blockedCausalAttention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& causalMask, double scale,
                              std::vector<Tensor>* probs) {
  const int64_t BH = q.size(0), L = q.size(1);
  Tensor y = torch::empty({BH, L, q.size(2)}, q.options());
  for (int64_t start = 0; start < L; start += kAttentionBlock) {
    const int64_t end = std::min(L, start + kAttentionBlock), n = end - start;
    Tensor mask = causalMask.narrow(0, start, n).narrow(1, 0, end).expand({BH, n, end});
    Tensor p = torch::softmax(torch::baddbmm(mask, q.narrow(1, start, n), k.narrow(1, 0, end).transpose(1, 2), 1.0, scale), -1);
    y.narrow(1, start, n).copy_(torch::bmm(p, v.narrow(1, 0, end)));
    if (probs != nullptr) probs->push_back(p);
  }
  return y;
}

// The blocked attention with its own backward: gradients go straight into preallocated dq, dk, dv (in-place batched
// matmuls on their prefixes), where autograd through the blocks' slices would allocate and sum a full-size gradient
// per slice (~10% of a training step at context 256).
struct BlockedCausalAttention : public torch::autograd::Function<BlockedCausalAttention> {
  static Tensor forward(torch::autograd::AutogradContext* ctx, const Tensor& q, const Tensor& k, const Tensor& v,
                        const Tensor& causalMask, double scale) {
    std::vector<Tensor> probs;
    Tensor y = blockedCausalAttention(q, k, v, causalMask, scale, &probs);
    torch::autograd::variable_list saved{q, k, v};
    saved.insert(saved.end(), probs.begin(), probs.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["scale"] = scale;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const Tensor &q = saved[0], &k = saved[1], &v = saved[2];
    const double scale = ctx->saved_data["scale"].toDouble();
    const Tensor& gy = grads[0];
    const int64_t L = q.size(1);
    Tensor dq = torch::zeros_like(q), dk = torch::zeros_like(k), dv = torch::zeros_like(v);
    for (int64_t start = 0, block = 0; start < L; start += kAttentionBlock, block++) {
      const int64_t end = std::min(L, start + kAttentionBlock), n = end - start;
      const Tensor& p = saved[3 + block];  // [BH, n, end]
      Tensor gyBlock = gy.narrow(1, start, n);
      dv.narrow(1, 0, end).baddbmm_(p.transpose(1, 2), gyBlock);
      Tensor dp = torch::bmm(gyBlock, v.narrow(1, 0, end).transpose(1, 2));
      Tensor ds = torch::_softmax_backward_data(dp, p, -1, p.scalar_type());
      dq.narrow(1, start, n).baddbmm_(ds, k.narrow(1, 0, end), 1.0, scale);
      dk.narrow(1, 0, end).baddbmm_(ds.transpose(1, 2), q.narrow(1, start, n), 1.0, scale);
    }
    return {dq, dk, dv, Tensor(), Tensor()};
  }
};

struct Layer {
  Tensor ln1w, ln1b, attnW, attnB, attnProjW, attnProjB, ln2w, ln2b, fcW, fcB, mlpProjW, mlpProjB;
};

}  // namespace

RuntimeInfo runtimeInfo() {
  RuntimeInfo info;
  info.torchVersion = TORCH_VERSION;
  using GetConfig = char* (*)();
  if (auto get = reinterpret_cast<GetConfig>(openblasSymbol("openblas_get_config"))) {
    info.blas = get();
  } else {
    info.blas = "not OpenBLAS (the reference BLAS is about 10x slower: apt-get install libopenblas0-pthread)";
  }
  info.parallel = at::get_parallel_info();
  return info;
}

struct Gpt::Impl {
  ModelConfig cfg;
  torch::Dtype dtype;
  int threads;
  int64_t headDim;
  double scale;

  std::vector<std::string> names;
  std::vector<Tensor> params;
  std::vector<bool> decays;  // AdamW weight decay on the linear layers' matrices only
  Tensor wte, wpe, lnfW, lnfB;
  std::vector<Layer> layers;

  std::vector<Tensor> expAvg, expAvgSq;
  int64_t step = 0;
  Tensor kept;  // forwardKeep's log-probs with their graph, until backwardKept

  Tensor causalMask;  // [C, C] additive: 0 on and below the diagonal, -inf above

  Impl(const ModelConfig& c, bool f64, int nThreads)
      : cfg(c), dtype(f64 ? torch::kFloat64 : torch::kFloat32), threads(nThreads) {
    if (c.vocabSize <= 0 || c.contextLength <= 0 || c.dModel <= 0 || c.nLayers <= 0 || c.nHeads <= 0 ||
        c.dModel % c.nHeads != 0) {
      throw std::invalid_argument("invalid model config: sizes must be positive and dModel divisible by nHeads");
    }
    if (threads < 1) throw std::invalid_argument("threads must be >= 1");
    keepFreedMemory();
    applyThreads();
    headDim = c.dModel / c.nHeads;
    scale = 1.0 / std::sqrt(static_cast<double>(headDim));
    const int64_t d = c.dModel;
    auto add = [&](const std::string& name, std::vector<int64_t> shape, bool decay) {
      names.push_back(name);
      params.push_back(torch::zeros(shape, torch::dtype(dtype)).requires_grad_(true));
      decays.push_back(decay);
      return params.back();
    };
    // Canonical order of src/policy/weights.ts weightLayout().
    wte = add("wte.weight", {c.vocabSize, d}, false);
    wpe = add("wpe.weight", {c.contextLength, d}, false);
    for (int64_t i = 0; i < c.nLayers; i++) {
      const std::string p = "h." + std::to_string(i) + ".";
      Layer l;
      l.ln1w = add(p + "ln_1.weight", {d}, false);
      l.ln1b = add(p + "ln_1.bias", {d}, false);
      l.attnW = add(p + "attn.c_attn.weight", {3 * d, d}, true);
      l.attnB = add(p + "attn.c_attn.bias", {3 * d}, false);
      l.attnProjW = add(p + "attn.c_proj.weight", {d, d}, true);
      l.attnProjB = add(p + "attn.c_proj.bias", {d}, false);
      l.ln2w = add(p + "ln_2.weight", {d}, false);
      l.ln2b = add(p + "ln_2.bias", {d}, false);
      l.fcW = add(p + "mlp.c_fc.weight", {4 * d, d}, true);
      l.fcB = add(p + "mlp.c_fc.bias", {4 * d}, false);
      l.mlpProjW = add(p + "mlp.c_proj.weight", {d, 4 * d}, true);
      l.mlpProjB = add(p + "mlp.c_proj.bias", {d}, false);
      layers.push_back(l);
    }
    lnfW = add("ln_f.weight", {d}, false);
    lnfB = add("ln_f.bias", {d}, false);
    {
      torch::NoGradGuard noGrad;
      lnfW.fill_(1);
      for (auto& l : layers) {
        l.ln1w.fill_(1);
        l.ln2w.fill_(1);
      }
    }
    for (const auto& p : params) {
      expAvg.push_back(torch::zeros_like(p).detach());
      expAvgSq.push_back(torch::zeros_like(p).detach());
    }
    causalMask = torch::full({c.contextLength, c.contextLength}, -std::numeric_limits<double>::infinity(),
                             torch::dtype(dtype))
                     .triu(1);
  }

  // Intra-op thread counts are per OS thread under OpenMP; every entry point re-applies them on the worker.
  void applyThreads() const {
    if (at::get_num_threads() != threads) at::set_num_threads(threads);
    pinOpenblasToOneThread();
  }

  size_t indexOf(const std::string& name) const {
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) throw std::invalid_argument("unknown weight '" + name + "'");
    return static_cast<size_t>(it - names.begin());
  }

  void assign(std::vector<Tensor>& targets, const std::vector<NamedArray>& values, const char* what) {
    if (values.size() != names.size()) {
      throw std::invalid_argument(std::string(what) + ": expected " + std::to_string(names.size()) + " arrays, got " +
                                  std::to_string(values.size()));
    }
    torch::NoGradGuard noGrad;
    for (const auto& v : values) {
      const size_t i = indexOf(v.name);
      if (v.value.numel() != targets[i].numel()) {
        throw std::invalid_argument(std::string(what) + " '" + v.name + "' has " + std::to_string(v.value.numel()) +
                                    " values, expected " + std::to_string(targets[i].numel()));
      }
      targets[i].copy_(fromHost(v.value, dtype).view(targets[i].sizes()));
    }
  }

  std::vector<NamedArray> named(const std::vector<Tensor>& ts) const {
    std::vector<NamedArray> out;
    for (size_t i = 0; i < ts.size(); i++) out.push_back({names[i], toHost(ts[i])});
    return out;
  }

  // Right-pads the packed sequences with token 0 into [B, L], leaving out each sequence's last token (never an input
  // to a scored prediction). Causal attention never looks right, so the padding changes nothing at real positions.
  Tensor inputs(const std::vector<int32_t>& tokens, const std::vector<int32_t>& lengths, int64_t L) const {
    const int64_t B = static_cast<int64_t>(lengths.size());
    Tensor out = torch::zeros({B, L}, torch::kInt64);
    auto acc = out.accessor<int64_t, 2>();
    size_t offset = 0;
    for (int64_t b = 0; b < B; b++) {
      for (int32_t t = 0; t < lengths[b] - 1; t++) acc[b][t] = tokens[offset + t];
      offset += lengths[b];
    }
    return out;
  }

  void checkSequences(const std::vector<int32_t>& tokens, const std::vector<int32_t>& lengths) const {
    int64_t total = 0;
    for (size_t b = 0; b < lengths.size(); b++) {
      if (lengths[b] < 1 || lengths[b] > cfg.contextLength) {
        throw std::invalid_argument("sequence " + std::to_string(b) + " has length " + std::to_string(lengths[b]) +
                                    ", expected 1.." + std::to_string(cfg.contextLength));
      }
      total += lengths[b];
    }
    if (total != static_cast<int64_t>(tokens.size())) throw std::invalid_argument("lengths do not add up to the tokens");
    for (size_t i = 0; i < tokens.size(); i++) {
      if (tokens[i] < 0 || tokens[i] >= cfg.vocabSize) {
        throw std::invalid_argument("token id " + std::to_string(tokens[i]) + " is outside the vocabulary [0, " +
                                    std::to_string(cfg.vocabSize) + ")");
      }
    }
  }

  // One attention block on [B, L, d] from position 0.
  Tensor attention(const Layer& l, const Tensor& h) const {
    const int64_t B = h.size(0), L = h.size(1), d = cfg.dModel, H = cfg.nHeads, hd = headDim;
    auto qkv = torch::linear(h, l.attnW, l.attnB).split(d, 2);
    auto heads = [&](const Tensor& x) { return x.view({B, L, H, hd}).transpose(1, 2).reshape({B * H, L, hd}); };
    Tensor y = causalAttention(heads(qkv[0]), heads(qkv[1]), heads(qkv[2]));
    return torch::linear(y.view({B, H, L, hd}).transpose(1, 2).reshape({B, L, d}), l.attnProjW, l.attnProjB);
  }

  Tensor causalAttention(const Tensor& q, const Tensor& k, const Tensor& v) const {
    if (torch::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad())) {
      return BlockedCausalAttention::apply(q, k, v, causalMask, scale);
    }
    return blockedCausalAttention(q, k, v, causalMask, scale, nullptr);
  }

  Tensor mlp(const Layer& l, const Tensor& h) const {
    return torch::linear(torch::gelu(torch::linear(h, l.fcW, l.fcB), "tanh"), l.mlpProjW, l.mlpProjB);
  }

  Tensor layerNorm(const Tensor& x, const Tensor& w, const Tensor& b) const {
    return torch::layer_norm(x, {cfg.dModel}, w, b, 1e-5);
  }

  // Final hidden states [B, L, d] (after ln_f).
  Tensor hidden(const Tensor& tokens) const {
    const int64_t L = tokens.size(1);
    Tensor x = torch::embedding(wte, tokens) + wpe.narrow(0, 0, L);
    for (const auto& l : layers) {
      x = x + attention(l, layerNorm(x, l.ln1w, l.ln1b));
      x = x + mlp(l, layerNorm(x, l.ln2w, l.ln2b));
    }
    return layerNorm(x, lnfW, lnfB);
  }

  // Per-token log-probs of every scored token, packed: only the rows that predict a scored token go through the
  // output head (long prompts with short responses are the common case in multi-turn RL).
  Tensor scoredLogprobs(const SequenceBatch& batch) const {
    checkSequences(batch.tokens, batch.lengths);
    const int64_t B = static_cast<int64_t>(batch.lengths.size());
    if (static_cast<int64_t>(batch.responseStarts.size()) != B) throw std::invalid_argument("one responseStart per sequence");
    if (B == 0) return torch::zeros({0}, torch::dtype(dtype));
    // A sequence's last token is never an input to a prediction: run the trunk on all but the last position.
    const int64_t L = *std::max_element(batch.lengths.begin(), batch.lengths.end()) - 1;
    std::vector<int64_t> rows, targets;
    size_t offset = 0;
    for (int64_t b = 0; b < B; b++) {
      const int32_t n = batch.lengths[b], s = batch.responseStarts[b];
      if (s < 1 || s > n) {
        throw std::invalid_argument("sequence " + std::to_string(b) + ": responseStart " + std::to_string(s) +
                                    " outside 1.." + std::to_string(n));
      }
      for (int32_t t = s; t < n; t++) {
        rows.push_back(b * L + t - 1);
        targets.push_back(batch.tokens[offset + t]);
      }
      offset += n;
    }
    const int64_t N = static_cast<int64_t>(rows.size());
    if (N == 0) return torch::zeros({0}, torch::dtype(dtype));
    Tensor h = hidden(inputs(batch.tokens, batch.lengths, L)).reshape({B * L, cfg.dModel});
    Tensor rowIndex = torch::from_blob(rows.data(), {N}, torch::kInt64).clone();
    Tensor targetIndex = torch::from_blob(targets.data(), {N, 1}, torch::kInt64).clone();
    Tensor logits = torch::matmul(h.index_select(0, rowIndex), wte.t());
    return torch::log_softmax(logits, -1).gather(1, targetIndex).squeeze(1);
  }

  StepResult optimStep(const AdamWOptions& o) {
    torch::NoGradGuard noGrad;
    std::vector<size_t> withGrad;
    for (size_t i = 0; i < params.size(); i++) {
      if (params[i].grad().defined()) withGrad.push_back(i);
    }
    StepResult result;
    result.step = step;
    if (withGrad.empty()) return result;  // nothing accumulated: like torch.optim, parameters without grads stay
    std::vector<Tensor> norms;
    for (size_t i : withGrad) norms.push_back(params[i].grad().norm(2));
    Tensor total = torch::stack(norms).norm(2);
    result.gradNorm = total.item<double>();
    if (!std::isfinite(result.gradNorm)) {
      result.skipped = true;
      zeroGrads();
      return result;
    }
    if (o.maxGradNorm > 0) {
      // torch.nn.utils.clip_grad_norm_: coefficient max/(norm + 1e-6), clamped to 1.
      const double coef = std::min(1.0, o.maxGradNorm / (result.gradNorm + 1e-6));
      if (coef < 1.0) {
        for (size_t i : withGrad) params[i].mutable_grad().mul_(coef);
      }
    }
    step += 1;
    result.step = step;
    dropSessions();  // cached keys and values belong to the old weights
    kept = Tensor();
    const double bias1 = 1 - std::pow(o.beta1, static_cast<double>(step));
    const double bias2Sqrt = std::sqrt(1 - std::pow(o.beta2, static_cast<double>(step)));
    const double stepSize = o.lr / bias1;
    // torch.optim.AdamW (single-tensor path), term for term.
    for (size_t i : withGrad) {
      Tensor& p = params[i];
      const Tensor& g = p.grad();
      if (decays[i] && o.weightDecay != 0) p.mul_(1 - o.lr * o.weightDecay);
      expAvg[i].mul_(o.beta1).add_(g, 1 - o.beta1);
      expAvgSq[i].mul_(o.beta2).addcmul_(g, g, 1 - o.beta2);
      Tensor denom = (expAvgSq[i].sqrt() / bias2Sqrt).add_(o.eps);
      p.addcdiv_(expAvg[i], denom, -stepSize);
    }
    zeroGrads();
    return result;
  }

  void zeroGrads() {
    for (auto& p : params) p.mutable_grad() = Tensor();
  }

  // Chooses the next token exactly as chooseToken in src/policy/tfjs/sampling.ts, so both back ends draw the same
  // tokens from the same logits and generator: temperature (0: greedy, log-prob 0), top-p over unnormalised
  // probabilities (ties: lower id first), then Rng.categorical. The log-prob is the token's under exactly the
  // distribution it was drawn from.
  std::pair<int32_t, double> draw(const double* logits, const SampleOptions& o, Rng& rng, std::vector<double>& p,
                                  std::vector<int32_t>& order) const {
    const int64_t V = cfg.vocabSize;
    if (o.temperature == 0) {
      int64_t best = 0;
      for (int64_t i = 1; i < V; i++) {
        if (logits[i] > logits[best]) best = i;
      }
      return {static_cast<int32_t>(best), 0.0};
    }
    double maxZ = -std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < V; i++) maxZ = std::max(maxZ, logits[i] / o.temperature);
    double total = 0;
    for (int64_t i = 0; i < V; i++) total += p[i] = std::exp(logits[i] / o.temperature - maxZ);
    if (o.topP < 1) {
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return p[a] > p[b]; });
      double kept = 0;
      int64_t k = 0;
      while (k < V && kept < o.topP * total) kept += p[order[k++]];
      for (int64_t j = k; j < V; j++) p[order[j]] = 0;
      total = kept;
    }
    // Rng.categorical: the draw scales by the sum in token order.
    double sum = 0;
    for (int64_t i = 0; i < V; i++) sum += p[i];
    double u = rng.next() * sum;
    int32_t chosen = -1;
    for (int64_t i = 0; i < V; i++) {
      if (p[i] > 0) chosen = static_cast<int32_t>(i);
      u -= p[i];
      if (u < 0) break;
    }
    return {chosen, std::log(p[chosen] / total)};
  }

  // ---- Sampling -----------------------------------------------------------------------------------------------
  //
  // One routine, `extend`, runs new tokens of some rows through the model against a KV cache: the prefill (every
  // prompt's tokens past its reused prefix, in chunks of about kPrefillChunkTokens padded tokens) and each decode
  // step (one token per row) are both calls of it. Only each row's last new token goes through the output head.
  //
  // The per-call caches are [rows, H, T, hd] per layer: row r's column c holds the key/value of its position c.
  // A session's cached prefix (kept between calls, see Session) is copied into its row's first columns, so a turn
  // reads only the tokens its session has not seen.

  // Why chunks: one prefill of 256 prompts × 40 tokens made ~90 MB of transient activations per call, which glibc
  // took fresh from the kernel (mmap) and gave back every call (~22k page faults, a quarter of the call in system
  // time) and which streamed through memory instead of staying in the 2 MB L2. Chunks of ~512 tokens keep each
  // intermediate about 1 MB, reused from the allocator's free lists.
  static constexpr int64_t kPrefillChunkTokens = 512;

  struct Session {
    std::vector<int32_t> tokens;  // the tokens whose keys/values are cached, in order
    std::vector<Tensor> k, v;     // per layer [H, tokens.size(), hd]
    int64_t bytes = 0;
    std::list<std::string>::iterator lruAt;
  };
  std::unordered_map<std::string, Session> sessions;
  std::list<std::string> lru;  // most recently used first
  int64_t sessionBytes = 0;
  int64_t sessionBudget = 256LL << 20;

  void dropSessions() {
    sessions.clear();
    lru.clear();
    sessionBytes = 0;
  }

  void endSession(const std::string& id) {
    auto it = sessions.find(id);
    if (it == sessions.end()) return;
    sessionBytes -= it->second.bytes;
    lru.erase(it->second.lruAt);
    sessions.erase(it);
  }

  // Keeps the first n columns of cache row r as session `id` (replacing what it held), then evicts the least
  // recently used sessions beyond the byte budget.
  void storeSession(const std::string& id, std::vector<int32_t> toks, const std::vector<Tensor>& kc,
                    const std::vector<Tensor>& vc, int64_t r) {
    endSession(id);
    const int64_t n = static_cast<int64_t>(toks.size());
    if (n == 0) return;
    Session s;
    s.tokens = std::move(toks);
    for (size_t l = 0; l < layers.size(); l++) {
      s.k.push_back(kc[l][r].narrow(1, 0, n).clone());
      s.v.push_back(vc[l][r].narrow(1, 0, n).clone());
    }
    s.bytes = 2 * static_cast<int64_t>(layers.size()) * n * cfg.dModel * static_cast<int64_t>(s.k[0].element_size());
    lru.push_front(id);
    s.lruAt = lru.begin();
    sessionBytes += s.bytes;
    sessions.emplace(id, std::move(s));
    while (sessionBytes > sessionBudget && !lru.empty()) endSession(lru.back());
  }

  // Runs tokens toks[i][0..n[i]) of cache rows r0+i (i < R) at positions start[i], start[i]+1, ...: writes their
  // keys and values into the caches and returns the logits after each row's last new token, [R, V].
  Tensor extend(std::vector<Tensor>& kc, std::vector<Tensor>& vc, int64_t r0, const std::vector<int64_t>& start,
                const std::vector<const int32_t*>& toks, const std::vector<int64_t>& n) const {
    const int64_t R = static_cast<int64_t>(n.size()), d = cfg.dModel, H = cfg.nHeads, hd = headDim;
    int64_t N = 0, nmax = 0, span = 0;
    for (int64_t i = 0; i < R; i++) {
      N += n[i];
      nmax = std::max(nmax, n[i]);
      span = std::max(span, start[i] + n[i]);
    }
    const int64_t T = kc[0].size(2);
    // kvV: where each (token, head) row goes in the caches seen as [R·H·T, hd] rows (one index_copy_ per cache).
    std::vector<int64_t> tokV(N), posV(N), padV(N), lastV(R), kvV(N * H);
    for (int64_t i = 0, j = 0; i < R; i++) {
      for (int64_t t = 0; t < n[i]; t++, j++) {
        tokV[j] = toks[i][t];
        posV[j] = start[i] + t;
        padV[j] = i * nmax + t;
        for (int64_t h = 0; h < H; h++) kvV[j * H + h] = (i * H + h) * T + posV[j];
      }
      lastV[i] = j - 1;
    }
    auto idx = [](std::vector<int64_t>& v) { return torch::from_blob(v.data(), {static_cast<int64_t>(v.size())}, torch::kInt64); };
    Tensor posT = idx(posV), padT = idx(padV), kvT = idx(kvV);
    Tensor startT = torch::from_blob(const_cast<int64_t*>(start.data()), {R}, torch::kInt64);
    // Query t of row i sees columns <= start[i] + t (padding queries see their row's prefix; they are dropped).
    Tensor unseen = torch::arange(span, torch::kInt64).view({1, 1, span}) >
                    (startT.view({R, 1, 1}) + torch::arange(nmax, torch::kInt64).view({1, nmax, 1}));
    Tensor mask = torch::zeros({R, 1, nmax, span}, torch::dtype(dtype))
                      .masked_fill_(unseen.unsqueeze(1), -std::numeric_limits<double>::infinity())
                      .expand({R, H, nmax, span})
                      .reshape({R * H, nmax, span});
    Tensor x = torch::embedding(wte, idx(tokV)) + wpe.index_select(0, posT);  // [N, d]
    for (size_t l = 0; l < layers.size(); l++) {
      const Layer& ly = layers[l];
      auto qkv = torch::linear(layerNorm(x, ly.ln1w, ly.ln1b), ly.attnW, ly.attnB).split(d, 1);
      Tensor kRows = kc[l].narrow(0, r0, R), vRows = vc[l].narrow(0, r0, R);  // [R, H, T, hd], contiguous
      kRows.view({R * H * T, hd}).index_copy_(0, kvT, qkv[1].reshape({N * H, hd}));
      vRows.view({R * H * T, hd}).index_copy_(0, kvT, qkv[2].reshape({N * H, hd}));
      Tensor q;
      if (nmax == 1) {
        q = qkv[0].reshape({R * H, 1, hd});
      } else {
        q = torch::zeros({R * nmax, H, hd}, torch::dtype(dtype))
                .index_copy_(0, padT, qkv[0].view({N, H, hd}))
                .view({R, nmax, H, hd})
                .transpose(1, 2)
                .reshape({R * H, nmax, hd});
      }
      Tensor keys = kRows.narrow(2, 0, span).reshape({R * H, span, hd});
      Tensor vals = vRows.narrow(2, 0, span).reshape({R * H, span, hd});
      Tensor p = torch::softmax(torch::baddbmm(mask, q, keys.transpose(1, 2), 1.0, scale), -1);
      Tensor y = torch::bmm(p, vals).view({R, H, nmax, hd}).transpose(1, 2).reshape({R * nmax, d});
      if (nmax > 1) y = y.index_select(0, padT);
      x = x + torch::linear(y, ly.attnProjW, ly.attnProjB);
      x = x + mlp(ly, layerNorm(x, ly.ln2w, ly.ln2b));
    }
    Tensor last = R == N ? x : x.index_select(0, idx(lastV));
    return torch::matmul(layerNorm(last, lnfW, lnfB), wte.t());
  }

  SampleResult sample(const std::vector<int32_t>& tokens, const std::vector<int32_t>& lengths, const SampleOptions& o) {
    checkSequences(tokens, lengths);
    if (lengths.empty()) return SampleResult();
    if (o.maxTokens < 0) throw std::invalid_argument("maxTokens must be >= 0");
    if (!(o.temperature >= 0)) throw std::invalid_argument("temperature must be >= 0");
    if (o.rngStates.size() != 4 * lengths.size()) throw std::invalid_argument("one 4-word generator state per prompt");
    if (!(o.topP > 0 && o.topP <= 1)) throw std::invalid_argument("topP must be in (0, 1]");
    if (!o.sessions.empty() && o.sessions.size() != lengths.size()) throw std::invalid_argument("one session id (or '') per prompt");
    c10::InferenceMode inference;
    const int64_t P = static_cast<int64_t>(lengths.size()), C = cfg.contextLength;
    const int64_t H = cfg.nHeads, hd = headDim, V = cfg.vocabSize;
    const int64_t Lp = *std::max_element(lengths.begin(), lengths.end());
    const int64_t T = std::min(C, Lp + o.maxTokens);
    auto sessionOf = [&](int64_t b) -> const std::string& {
      static const std::string none;
      return o.sessions.empty() ? none : o.sessions[b];
    };

    std::vector<const int32_t*> prompt(P);
    for (int64_t b = 0, off = 0; b < P; off += lengths[b], b++) prompt[b] = tokens.data() + off;
    std::vector<Tensor> kc, vc;
    for (size_t l = 0; l < layers.size(); l++) {
      kc.push_back(torch::zeros({P, H, T, hd}, torch::dtype(dtype)));
      vc.push_back(torch::zeros({P, H, T, hd}, torch::dtype(dtype)));
    }
    // Reuse each session's longest common prefix with its new prompt, all but the prompt's last token at most
    // (that one is read again for its logits).
    std::vector<int64_t> reuse(P, 0);
    for (int64_t b = 0; b < P; b++) {
      auto it = sessionOf(b).empty() ? sessions.end() : sessions.find(sessionOf(b));
      if (it == sessions.end()) continue;
      const Session& s = it->second;
      const int64_t limit = std::min<int64_t>(static_cast<int64_t>(s.tokens.size()), lengths[b] - 1);
      int64_t m = 0;
      while (m < limit && s.tokens[m] == prompt[b][m]) m++;
      reuse[b] = m;
      if (m == 0) continue;
      for (size_t l = 0; l < layers.size(); l++) {
        kc[l][b].narrow(1, 0, m).copy_(s.k[l].narrow(1, 0, m));
        vc[l][b].narrow(1, 0, m).copy_(s.v[l].narrow(1, 0, m));
      }
    }

    // Prefill in chunks of consecutive rows.
    Tensor logits = torch::empty({P, V}, torch::dtype(dtype));
    for (int64_t a = 0; a < P;) {
      int64_t b = a, nmax = 0;
      std::vector<int64_t> start, n;
      std::vector<const int32_t*> toks;
      while (b < P) {
        const int64_t nb = lengths[b] - reuse[b];
        const int64_t m = std::max(nmax, nb);
        if (b > a && m * (b - a + 1) > kPrefillChunkTokens) break;
        nmax = m;
        start.push_back(reuse[b]);
        n.push_back(nb);
        toks.push_back(prompt[b] + reuse[b]);
        b++;
      }
      logits.narrow(0, a, b - a).copy_(extend(kc, vc, a, start, toks, n));
      a = b;
    }

    std::vector<std::vector<int32_t>> gen(P);
    std::vector<std::vector<float>> genLogp(P);
    std::vector<int64_t> len(lengths.begin(), lengths.end());  // prompt + generated tokens
    std::vector<uint8_t> stopped(P, 0);
    std::vector<Rng> rngs;
    for (int64_t b = 0; b < P; b++) {
      rngs.emplace_back(o.rngStates[4 * b], o.rngStates[4 * b + 1], o.rngStates[4 * b + 2], o.rngStates[4 * b + 3]);
    }
    std::vector<double> probs(V);
    std::vector<int32_t> order(V);
    // rows[r]: the prompt cache row r belongs to. Rows that finish stay in the caches (fed a dummy token at
    // position 0) until at most half of them are live: then the caches are compacted. Compacting at every finish
    // would copy the whole caches up to maxTokens times.
    std::vector<int64_t> rows(P);
    std::iota(rows.begin(), rows.end(), 0);
    std::vector<uint8_t> live(P, 1);
    auto hasRoom = [&](int64_t b) { return static_cast<int64_t>(gen[b].size()) < o.maxTokens && len[b] < C; };
    // A finished row's cache holds the keys/values of every token it was fed: all but its last sampled one.
    auto finish = [&](int64_t r) {
      const int64_t b = rows[r];
      live[b] = 0;
      if (sessionOf(b).empty()) return;
      const int64_t fed = gen[b].empty() ? lengths[b] : len[b] - 1;
      std::vector<int32_t> seen(prompt[b], prompt[b] + lengths[b]);
      seen.insert(seen.end(), gen[b].begin(), gen[b].end());
      seen.resize(fed);
      storeSession(sessionOf(b), std::move(seen), kc, vc, r);
    };
    for (;;) {
      Tensor host = logits.to(torch::kFloat64).contiguous();
      const double* data = host.data_ptr<double>();
      int64_t going = 0;
      for (size_t r = 0; r < rows.size(); r++) {
        const int64_t b = rows[r];
        if (!live[b]) continue;
        if (!hasRoom(b)) {
          finish(static_cast<int64_t>(r));
          continue;
        }
        auto [tok, logp] = draw(data + r * V, o, rngs[b], probs, order);
        gen[b].push_back(tok);
        genLogp[b].push_back(static_cast<float>(logp));
        len[b] += 1;
        if (std::find(o.stopTokens.begin(), o.stopTokens.end(), tok) != o.stopTokens.end()) {
          stopped[b] = 1;
          finish(static_cast<int64_t>(r));
        } else if (hasRoom(b)) {
          going++;
        } else {
          finish(static_cast<int64_t>(r));
        }
      }
      if (going == 0) break;
      if (2 * going <= static_cast<int64_t>(rows.size())) {
        std::vector<int64_t> keepRows, kept;
        for (size_t r = 0; r < rows.size(); r++) {
          if (!live[rows[r]]) continue;
          keepRows.push_back(static_cast<int64_t>(r));
          kept.push_back(rows[r]);
        }
        Tensor keep = torch::tensor(keepRows, torch::kInt64);
        for (size_t l = 0; l < layers.size(); l++) {
          kc[l] = kc[l].index_select(0, keep);
          vc[l] = vc[l].index_select(0, keep);
        }
        rows = kept;
      }
      // Decode the newest token of every row, each at its own position.
      const int64_t A = static_cast<int64_t>(rows.size());
      std::vector<int64_t> start(A), n(A, 1);
      std::vector<int32_t> tok(A);
      std::vector<const int32_t*> toks(A);
      for (int64_t r = 0; r < A; r++) {
        const int64_t b = rows[r];
        tok[r] = live[b] ? gen[b].back() : 0;
        start[r] = live[b] ? len[b] - 1 : 0;
        toks[r] = &tok[r];
      }
      logits = extend(kc, vc, 0, start, toks, n);
    }
    SampleResult out;
    for (int64_t b = 0; b < P; b++) {
      out.tokens.insert(out.tokens.end(), gen[b].begin(), gen[b].end());
      out.logprobs.insert(out.logprobs.end(), genLogp[b].begin(), genLogp[b].end());
      out.lengths.push_back(static_cast<int32_t>(gen[b].size()));
      out.stopped.push_back(stopped[b]);
      out.reused.push_back(static_cast<int32_t>(reuse[b]));
    }
    return out;
  }
};

Gpt::Gpt(const ModelConfig& config, bool f64, int threads)
    : impl_(translateErrors([&] { return std::make_unique<Impl>(config, f64, threads); })) {}

Gpt::~Gpt() = default;

void Gpt::setWeights(const std::vector<NamedArray>& weights) {
  translateErrors([&] {
    impl_->assign(impl_->params, weights, "weight");
    impl_->dropSessions();
    impl_->kept = Tensor();
    return 0;
  });
}

std::vector<NamedArray> Gpt::weights() const {
  return translateErrors([&] { return impl_->named(impl_->params); });
}

std::vector<NamedArray> Gpt::grads() const {
  return translateErrors([&] {
    std::vector<Tensor> gs;
    for (const auto& p : impl_->params) gs.push_back(p.grad().defined() ? p.grad() : torch::zeros_like(p));
    return impl_->named(gs);
  });
}

OptimizerState Gpt::optimizerState() const {
  return translateErrors([&] {
    OptimizerState s;
    s.step = impl_->step;
    s.expAvg = impl_->named(impl_->expAvg);
    s.expAvgSq = impl_->named(impl_->expAvgSq);
    return s;
  });
}

void Gpt::setOptimizerState(const OptimizerState& state) {
  translateErrors([&] {
    if (state.step < 0) throw std::invalid_argument("optimizer step must be >= 0");
    impl_->assign(impl_->expAvg, state.expAvg, "exp_avg");
    impl_->assign(impl_->expAvgSq, state.expAvgSq, "exp_avg_sq");
    impl_->step = state.step;
    return 0;
  });
}

HostArray Gpt::logprobs(const SequenceBatch& batch) {
  return translateErrors([&] {
    impl_->applyThreads();
    c10::InferenceMode inference;
    return toHost(impl_->scoredLogprobs(batch));
  });
}

HostArray Gpt::forwardKeep(const SequenceBatch& batch) {
  return translateErrors([&] {
    impl_->applyThreads();
    impl_->kept = Tensor();
    Tensor logp = impl_->scoredLogprobs(batch);
    if (logp.requires_grad()) impl_->kept = logp;
    return toHost(logp);
  });
}

HostArray Gpt::backwardKept(const HostArray* dLdLogp) {
  return translateErrors([&] {
    impl_->applyThreads();
    Tensor logp = impl_->kept;
    impl_->kept = Tensor();
    if (dLdLogp == nullptr) return HostArray();
    if (!logp.defined()) {
      if (dLdLogp->numel() == 0) return HostArray();  // nothing was scored
      throw std::runtime_error("backwardKept: no forward pass is kept (forwardKeep first; a weight change drops it)");
    }
    if (dLdLogp->numel() != logp.numel()) {
      throw std::invalid_argument("dLdLogp has " + std::to_string(dLdLogp->numel()) + " values for " +
                                  std::to_string(logp.numel()) + " scored tokens");
    }
    logp.backward(fromHost(*dLdLogp, impl_->dtype));
    return HostArray();
  });
}

HostArray Gpt::forwardBackward(const SequenceBatch& batch, const HostArray& dLdLogp) {
  return translateErrors([&] {
    impl_->applyThreads();
    Tensor logp = impl_->scoredLogprobs(batch);
    if (dLdLogp.numel() != logp.numel()) {
      throw std::invalid_argument("dLdLogp has " + std::to_string(dLdLogp.numel()) + " values for " +
                                  std::to_string(logp.numel()) + " scored tokens");
    }
    if (logp.numel() > 0) logp.backward(fromHost(dLdLogp, impl_->dtype));
    return toHost(logp);
  });
}

StepResult Gpt::optimStep(const AdamWOptions& opts) {
  return translateErrors([&] {
    impl_->applyThreads();
    return impl_->optimStep(opts);
  });
}

SampleResult Gpt::sample(const std::vector<int32_t>& tokens, const std::vector<int32_t>& lengths,
                         const SampleOptions& opts) {
  return translateErrors([&] {
    impl_->applyThreads();
    return impl_->sample(tokens, lengths, opts);
  });
}

void Gpt::endSessions(const std::vector<std::string>& ids) {
  for (const auto& id : ids) impl_->endSession(id);
}

void Gpt::setSessionBudget(int64_t bytes) {
  if (bytes < 0) throw std::invalid_argument("session cache budget must be >= 0");
  impl_->sessionBudget = bytes;
  while (impl_->sessionBytes > bytes && !impl_->lru.empty()) impl_->endSession(impl_->lru.back());
}

SessionStats Gpt::sessionStats() const {
  return {static_cast<int64_t>(impl_->sessions.size()), impl_->sessionBytes};
}

}  // namespace seeupo
