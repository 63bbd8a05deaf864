// One dedicated OS thread that runs every torch job of a model in order. Measured in the probe: running torch on
// libuv's thread pool instead cost 10-20% speed and about twice the memory (thread-local allocator caches on
// several pool threads), and a single queue also serialises access to the model's tensors.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace seeupo {

class Worker {
 public:
  Worker() : thread_([this] { loop(); }) {}
  ~Worker() { stopAndJoin(); }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void post(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
  }

  // The thread runs the jobs already queued, then ends. Safe to call more than once.
  void requestStop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
  }

  void stopAndJoin() {
    requestStop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: started after the queue and flags exist
};

}  // namespace seeupo
