#include "runtime/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace huge2 {
namespace {

// One polite spin step: lets the sibling hyper-thread (or the other vCPU's
// host thread) run, and costs no system call.
inline void spin_pause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

int positive_env(const char* name, int fallback, int limit) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  // OMP_NUM_THREADS may be a list ("4,2"): its first number is the outer level.
  if (end == v || (*end != '\0' && *end != ',') || n < 0 || n > limit) return fallback;
  return int(n);
}

}  // namespace

int default_threads() {
  const int hw = int(std::max(1u, std::thread::hardware_concurrency()));
  const int n = positive_env("OMP_NUM_THREADS", hw, 4096);
  return n > 0 ? n : hw;
}

ThreadPool::ThreadPool(int threads, int spin_micros)
    : threads_(std::max(1, threads)),
      spin_micros_(spin_micros >= 0 ? spin_micros : positive_env("HUGE2_SPIN_US", kDefaultSpinMicros, 1000000)) {
  workers_.reserve(threads_ - 1);
  for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { worker(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(sleep_mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread& w : workers_) w.join();
}

void ThreadPool::run_share(int thread) {
  for (int i = thread; i < tasks_; i += threads_) {
    try {
      fn_(ctx_, i);
    } catch (...) {
      std::lock_guard<std::mutex> lk(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
}

void ThreadPool::dispatch(int tasks, TaskFn fn, void* ctx) {
  if (tasks <= 0) return;
  std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
  if (threads_ == 1 || tasks == 1 || !busy.owns_lock()) {
    for (int i = 0; i < tasks; ++i) fn(ctx, i);  // serial: exceptions go straight up
    return;
  }
  fn_ = fn, ctx_ = ctx, tasks_ = tasks, error_ = nullptr;
  pending_.store(threads_ - 1, std::memory_order_relaxed);
  // seq_cst on both sides (here epoch_ then sleepers_, in the worker
  // sleepers_ then epoch_): either the worker sees the new epoch before it
  // sleeps, or this thread sees it asleep and wakes it.
  epoch_.fetch_add(1);
  if (sleepers_.load() > 0) {
    { std::lock_guard<std::mutex> lk(sleep_mutex_); }
    wake_.notify_all();
  }
  run_share(0);
  // The shares are balanced by the plan: the others finish about now.
  for (unsigned n = 0; pending_.load(std::memory_order_acquire) != 0; ++n)
    if (n < 4096) spin_pause();
    else std::this_thread::yield();
  if (error_) std::rethrow_exception(error_);
}

void ThreadPool::worker(int thread) {
  // Not epoch_.load(): a job may be dispatched before this thread first runs,
  // and it must still take its share of that job. No job had run at start.
  unsigned seen = 0;
  using clock = std::chrono::steady_clock;
  for (;;) {
    // Spin for the next job, reading the clock only every 256 rounds.
    const auto deadline = clock::now() + std::chrono::microseconds(spin_micros_);
    bool got = false;
    for (unsigned n = 1;; ++n) {
      if (epoch_.load(std::memory_order_acquire) != seen) { got = true; break; }
      if (stop_.load(std::memory_order_relaxed)) return;
      spin_pause();
      if ((n & 255) == 0 && clock::now() >= deadline) break;
    }
    if (!got) {
      std::unique_lock<std::mutex> lk(sleep_mutex_);
      sleepers_.fetch_add(1);
      wake_.wait(lk, [&] { return epoch_.load() != seen || stop_.load(); });
      sleepers_.fetch_sub(1);
      if (stop_.load() && epoch_.load() == seen) return;
    }
    seen = epoch_.load(std::memory_order_acquire);
    run_share(thread);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace huge2
