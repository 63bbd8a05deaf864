// N-API binding of the native policy back end. Coarse entry points only (model-level log-probs, backward from
// dL/dlogp, optimizer step, sampling, weight and optimizer-state transfer): per-op tensor handles owned by the JS
// garbage collector piled up to 2.2 GB in the probe. Every call copies its inputs, runs on the model's own worker
// thread (worker.h) and resolves a Promise through a ThreadSafeFunction.
#include <napi.h>

#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "gpt.h"
#include "worker.h"

namespace seeupo {
namespace {

// What the worker jobs share with the JS object: the model lives and dies on the worker thread.
struct ModelState {
  std::unique_ptr<Gpt> gpt;
  std::string initError;
  Gpt& get() {
    if (!gpt) throw std::runtime_error(initError.empty() ? "the native model was disposed" : initError);
    return *gpt;
  }
};

std::vector<int32_t> int32s(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an Int32Array");
  }
  auto a = v.As<Napi::Int32Array>();
  return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength());
}

HostArray floats(const Napi::Value& v, const char* what) {
  if (v.IsTypedArray()) {
    auto t = v.As<Napi::TypedArray>();
    if (t.TypedArrayType() == napi_float32_array || t.TypedArrayType() == napi_float64_array) {
      HostArray out;
      out.f64 = t.TypedArrayType() == napi_float64_array;
      out.shape = {static_cast<int64_t>(t.ElementLength())};
      const char* data = static_cast<const char*>(t.ArrayBuffer().Data()) + t.ByteOffset();
      out.bytes.assign(data, data + t.ByteLength());
      return out;
    }
  }
  throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a Float32Array or Float64Array");
}

Napi::Value toJs(Napi::Env env, const HostArray& a) {
  auto buffer = Napi::ArrayBuffer::New(env, a.bytes.size());
  if (!a.bytes.empty()) std::memcpy(buffer.Data(), a.bytes.data(), a.bytes.size());
  if (a.f64) return Napi::Float64Array::New(env, a.bytes.size() / 8, buffer, 0);
  return Napi::Float32Array::New(env, a.bytes.size() / 4, buffer, 0);
}

Napi::Object toJs(Napi::Env env, const std::vector<NamedArray>& arrays) {
  auto obj = Napi::Object::New(env);
  for (const auto& a : arrays) obj.Set(a.name, toJs(env, a.value));
  return obj;
}

std::vector<NamedArray> namedFloats(const Napi::Value& v, const char* what) {
  if (!v.IsObject()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an object of named arrays");
  auto obj = v.As<Napi::Object>();
  auto keys = obj.GetPropertyNames();
  std::vector<NamedArray> out;
  for (uint32_t i = 0; i < keys.Length(); i++) {
    std::string name = keys.Get(i).As<Napi::String>().Utf8Value();
    out.push_back({name, floats(obj.Get(name), what)});
  }
  return out;
}

double number(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

SequenceBatch sequenceBatch(const Napi::CallbackInfo& info) {
  SequenceBatch b;
  b.tokens = int32s(info[0], "tokens");
  b.lengths = int32s(info[1], "lengths");
  b.responseStarts = int32s(info[2], "responseStarts");
  return b;
}

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Model",
                       {InstanceMethod("setWeights", &ModelWrap::SetWeights),
                        InstanceMethod("getWeights", &ModelWrap::GetWeights),
                        InstanceMethod("getGrads", &ModelWrap::GetGrads),
                        InstanceMethod("getOptimizerState", &ModelWrap::GetOptimizerState),
                        InstanceMethod("setOptimizerState", &ModelWrap::SetOptimizerState),
                        InstanceMethod("logprobs", &ModelWrap::Logprobs),
                        InstanceMethod("forwardBackward", &ModelWrap::ForwardBackward),
                        InstanceMethod("optimStep", &ModelWrap::OptimStep),
                        InstanceMethod("forwardKeep", &ModelWrap::ForwardKeep),
                        InstanceMethod("backwardKept", &ModelWrap::BackwardKept),
                        InstanceMethod("sample", &ModelWrap::Sample),
                        InstanceMethod("endSessions", &ModelWrap::EndSessions),
                        InstanceMethod("setSessionBudget", &ModelWrap::SetSessionBudget),
                        InstanceMethod("sessionStats", &ModelWrap::SessionStatsJs),
                        InstanceMethod("dispose", &ModelWrap::Dispose)});
  }

  // new Model(config, threads, float64)
  explicit ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "config must be an object");
    auto c = info[0].As<Napi::Object>();
    ModelConfig config;
    auto field = [&](const char* key) {
      double v = number(c.Get(key), key);
      if (!(v >= 1 && v == static_cast<double>(static_cast<int64_t>(v)))) {
        throw Napi::RangeError::New(env, std::string(key) + " must be a positive integer");
      }
      return static_cast<int64_t>(v);
    };
    config.vocabSize = field("vocabSize");
    config.contextLength = field("contextLength");
    config.dModel = field("dModel");
    config.nLayers = field("nLayers");
    config.nHeads = field("nHeads");
    const int threads = static_cast<int>(number(info[1], "threads"));
    const bool f64 = info[2].ToBoolean().Value();
    state_ = std::make_shared<ModelState>();
    worker_ = std::make_unique<Worker>();
    auto state = state_;
    // Built on the worker thread: torch's intra-op thread settings belong to the thread that runs the model.
    worker_->post([state, config, f64, threads] {
      try {
        state->gpt = std::make_unique<Gpt>(config, f64, threads);
      } catch (const std::exception& e) {
        state->initError = e.what();
      }
    });
  }

  ~ModelWrap() override {
    if (worker_) worker_->stopAndJoin();
  }

 private:
  // Runs compute() on the worker; resolves with convert(env, result) on the JS thread, or rejects with the error.
  template <class Compute, class Convert>
  Napi::Value runAsync(Napi::Env env, Compute compute, Convert convert) {
    Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
    if (disposed_) {
      deferred.Reject(Napi::Error::New(env, "the native model was disposed").Value());
      return deferred.Promise();
    }
    auto tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                              "seeupo-native", 0, 1);
    auto state = state_;
    worker_->post([state, compute, convert, deferred, tsfn]() mutable {
      using Result = decltype(compute(*state));
      auto result = std::make_shared<std::optional<Result>>();
      auto error = std::make_shared<std::string>();
      try {
        result->emplace(compute(*state));
      } catch (const std::exception& e) {
        *error = e.what()[0] != '\0' ? e.what() : "native error";
      } catch (...) {
        *error = "unknown native error";
      }
      tsfn.BlockingCall([deferred, result, error, convert](Napi::Env env, Napi::Function) {
        if (!error->empty()) {
          deferred.Reject(Napi::Error::New(env, *error).Value());
          return;
        }
        try {
          deferred.Resolve(convert(env, **result));
        } catch (const Napi::Error& e) {
          deferred.Reject(e.Value());
        }
      });
      tsfn.Release();
    });
    return deferred.Promise();
  }

  static Napi::Value undefinedOf(Napi::Env env, int) { return env.Undefined(); }

  // setWeights({name: Float32Array | Float64Array})
  Napi::Value SetWeights(const Napi::CallbackInfo& info) {
    auto weights = std::make_shared<std::vector<NamedArray>>(namedFloats(info[0], "weights"));
    return runAsync(
        info.Env(), [weights](ModelState& s) { s.get().setWeights(*weights); return 0; }, undefinedOf);
  }

  Napi::Value GetWeights(const Napi::CallbackInfo& info) {
    return runAsync(
        info.Env(), [](ModelState& s) { return s.get().weights(); },
        [](Napi::Env env, const std::vector<NamedArray>& w) -> Napi::Value { return toJs(env, w); });
  }

  Napi::Value GetGrads(const Napi::CallbackInfo& info) {
    return runAsync(
        info.Env(), [](ModelState& s) { return s.get().grads(); },
        [](Napi::Env env, const std::vector<NamedArray>& g) -> Napi::Value { return toJs(env, g); });
  }

  Napi::Value GetOptimizerState(const Napi::CallbackInfo& info) {
    return runAsync(
        info.Env(), [](ModelState& s) { return s.get().optimizerState(); },
        [](Napi::Env env, const OptimizerState& st) -> Napi::Value {
          auto obj = Napi::Object::New(env);
          obj.Set("step", Napi::Number::New(env, static_cast<double>(st.step)));
          obj.Set("expAvg", toJs(env, st.expAvg));
          obj.Set("expAvgSq", toJs(env, st.expAvgSq));
          return obj;
        });
  }

  // setOptimizerState(step, {name: array}, {name: array})
  Napi::Value SetOptimizerState(const Napi::CallbackInfo& info) {
    auto st = std::make_shared<OptimizerState>();
    st->step = static_cast<int64_t>(number(info[0], "step"));
    st->expAvg = namedFloats(info[1], "expAvg");
    st->expAvgSq = namedFloats(info[2], "expAvgSq");
    return runAsync(
        info.Env(), [st](ModelState& s) { s.get().setOptimizerState(*st); return 0; }, undefinedOf);
  }

  // logprobs(tokens, lengths, responseStarts): packed log-probs of the scored tokens
  Napi::Value Logprobs(const Napi::CallbackInfo& info) {
    auto batch = std::make_shared<SequenceBatch>(sequenceBatch(info));
    return runAsync(
        info.Env(), [batch](ModelState& s) { return s.get().logprobs(*batch); },
        [](Napi::Env env, const HostArray& a) { return toJs(env, a); });
  }

  // forwardBackward(tokens, lengths, responseStarts, dLdLogp): accumulates gradients, returns the log-probs
  Napi::Value ForwardBackward(const Napi::CallbackInfo& info) {
    auto batch = std::make_shared<SequenceBatch>(sequenceBatch(info));
    auto grad = std::make_shared<HostArray>(floats(info[3], "dLdLogp"));
    return runAsync(
        info.Env(), [batch, grad](ModelState& s) { return s.get().forwardBackward(*batch, *grad); },
        [](Napi::Env env, const HostArray& a) { return toJs(env, a); });
  }

  // forwardKeep(tokens, lengths, responseStarts): the log-probs; their graph is kept for backwardKept
  Napi::Value ForwardKeep(const Napi::CallbackInfo& info) {
    auto batch = std::make_shared<SequenceBatch>(sequenceBatch(info));
    return runAsync(
        info.Env(), [batch](ModelState& s) { return s.get().forwardKeep(*batch); },
        [](Napi::Env env, const HostArray& a) { return toJs(env, a); });
  }

  // backwardKept(dLdLogp | null): back-propagates through the kept graph (accumulating gradients), or drops it
  Napi::Value BackwardKept(const Napi::CallbackInfo& info) {
    std::shared_ptr<HostArray> grad;
    if (!info[0].IsNull() && !info[0].IsUndefined()) grad = std::make_shared<HostArray>(floats(info[0], "dLdLogp"));
    return runAsync(
        info.Env(), [grad](ModelState& s) { s.get().backwardKept(grad.get()); return 0; }, undefinedOf);
  }

  static std::vector<std::string> strings(const Napi::Value& v, const char* what) {
    if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an array of strings");
    auto a = v.As<Napi::Array>();
    std::vector<std::string> out;
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Value e = a.Get(i);
      if (!e.IsString()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an array of strings");
      out.push_back(e.As<Napi::String>().Utf8Value());
    }
    return out;
  }

  // endSessions(ids: string[])
  Napi::Value EndSessions(const Napi::CallbackInfo& info) {
    auto ids = std::make_shared<std::vector<std::string>>(strings(info[0], "session ids"));
    return runAsync(
        info.Env(), [ids](ModelState& s) { s.get().endSessions(*ids); return 0; }, undefinedOf);
  }

  // setSessionBudget(bytes)
  Napi::Value SetSessionBudget(const Napi::CallbackInfo& info) {
    const auto bytes = static_cast<int64_t>(number(info[0], "bytes"));
    return runAsync(
        info.Env(), [bytes](ModelState& s) { s.get().setSessionBudget(bytes); return 0; }, undefinedOf);
  }

  // sessionStats() -> {sessions, bytes}
  Napi::Value SessionStatsJs(const Napi::CallbackInfo& info) {
    return runAsync(
        info.Env(), [](ModelState& s) { return s.get().sessionStats(); },
        [](Napi::Env env, const SessionStats& st) -> Napi::Value {
          auto obj = Napi::Object::New(env);
          obj.Set("sessions", Napi::Number::New(env, static_cast<double>(st.sessions)));
          obj.Set("bytes", Napi::Number::New(env, static_cast<double>(st.bytes)));
          return obj;
        });
  }

  // optimStep(lr, beta1, beta2, eps, weightDecay, maxGradNorm) -> {gradNorm, skipped, step}
  Napi::Value OptimStep(const Napi::CallbackInfo& info) {
    AdamWOptions o;
    o.lr = number(info[0], "lr");
    o.beta1 = number(info[1], "beta1");
    o.beta2 = number(info[2], "beta2");
    o.eps = number(info[3], "eps");
    o.weightDecay = number(info[4], "weightDecay");
    o.maxGradNorm = number(info[5], "maxGradNorm");
    return runAsync(
        info.Env(), [o](ModelState& s) { return s.get().optimStep(o); },
        [](Napi::Env env, const StepResult& r) -> Napi::Value {
          auto obj = Napi::Object::New(env);
          obj.Set("gradNorm", Napi::Number::New(env, r.gradNorm));
          obj.Set("skipped", Napi::Boolean::New(env, r.skipped));
          obj.Set("step", Napi::Number::New(env, static_cast<double>(r.step)));
          return obj;
        });
  }

  // sample(tokens, lengths, maxTokens, temperature, topP, stopTokens, rngStates, sessions?) -> {tokens, logprobs,
  // lengths, stopped, reused}; rngStates: Uint32Array of 4 words per prompt; sessions: one id ('' for none) per prompt
  Napi::Value Sample(const Napi::CallbackInfo& info) {
    auto tokens = std::make_shared<std::vector<int32_t>>(int32s(info[0], "tokens"));
    auto lengths = std::make_shared<std::vector<int32_t>>(int32s(info[1], "lengths"));
    SampleOptions o;
    o.maxTokens = static_cast<int64_t>(number(info[2], "maxTokens"));
    o.temperature = number(info[3], "temperature");
    o.topP = number(info[4], "topP");
    o.stopTokens = int32s(info[5], "stopTokens");
    if (!info[6].IsTypedArray() || info[6].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
      throw Napi::TypeError::New(info.Env(), "rngStates must be a Uint32Array");
    }
    auto states = info[6].As<Napi::Uint32Array>();
    o.rngStates.assign(states.Data(), states.Data() + states.ElementLength());
    if (!info[7].IsUndefined() && !info[7].IsNull()) o.sessions = strings(info[7], "sessions");
    return runAsync(
        info.Env(), [tokens, lengths, o](ModelState& s) { return s.get().sample(*tokens, *lengths, o); },
        [](Napi::Env env, const SampleResult& r) -> Napi::Value {
          auto obj = Napi::Object::New(env);
          auto toks = Napi::Int32Array::New(env, r.tokens.size());
          std::copy(r.tokens.begin(), r.tokens.end(), toks.Data());
          auto logps = Napi::Float32Array::New(env, r.logprobs.size());
          std::copy(r.logprobs.begin(), r.logprobs.end(), logps.Data());
          auto lens = Napi::Int32Array::New(env, r.lengths.size());
          std::copy(r.lengths.begin(), r.lengths.end(), lens.Data());
          auto stopped = Napi::Uint8Array::New(env, r.stopped.size());
          std::copy(r.stopped.begin(), r.stopped.end(), stopped.Data());
          obj.Set("tokens", toks);
          obj.Set("logprobs", logps);
          obj.Set("lengths", lens);
          obj.Set("stopped", stopped);
          auto reused = Napi::Int32Array::New(env, r.reused.size());
          std::copy(r.reused.begin(), r.reused.end(), reused.Data());
          obj.Set("reused", reused);
          return obj;
        });
  }

  // Frees the model on its thread, then ends the thread; later calls reject.
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (disposed_) {
      auto d = Napi::Promise::Deferred::New(env);
      d.Resolve(env.Undefined());
      return d.Promise();
    }
    Napi::Value promise = runAsync(
        env, [](ModelState& s) { s.gpt.reset(); return 0; }, undefinedOf);
    disposed_ = true;
    // The thread runs the queued jobs (the reset included), then ends; the destructor joins it.
    worker_->requestStop();
    return promise;
  }

  std::shared_ptr<ModelState> state_;
  std::unique_ptr<Worker> worker_;
  bool disposed_ = false;
};

Napi::Value RuntimeInfoJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RuntimeInfo r = runtimeInfo();
  auto obj = Napi::Object::New(env);
  obj.Set("torchVersion", r.torchVersion);
  obj.Set("blas", r.blas);
  obj.Set("parallel", r.parallel);
  return obj;
}

}  // namespace
}  // namespace seeupo

static Napi::Object InitSeeupoNative(Napi::Env env, Napi::Object exports) {
  exports.Set("Model", seeupo::ModelWrap::Define(env));
  exports.Set("runtimeInfo", Napi::Function::New(env, seeupo::RuntimeInfoJs));
  return exports;
}

NODE_API_MODULE(seeupo_native, InitSeeupoNative)
