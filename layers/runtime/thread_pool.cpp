#include "runtime/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
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
      spin_micros_(spin_micros >= 0 ? spin_micros : positive_env("HUGE2_SPIN_US", kDefaultSpinMicros, 1000000)),
      queues_(size_t(threads_)) {
  workers_.reserve(threads_ - 1);
  for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { worker(t); });
  keep_workers_off_caller_cpu();
}

// A new thread starts on its creator's CPU, and while both run the scheduler
// may leave them together for a whole series of short jobs (or move the
// caller onto the worker's CPU later): the caller then does all the work (it
// steals every chunk) and 2 threads run as 1. Seen as bimodal 1x/2x rows in
// huge2-bench. So the workers are kept off the CPU the caller runs on, checked
// at every job (sched_getcpu is a vDSO read; the affinity call happens only
// when the caller has moved). Not pinned: any other allowed CPU will do.
void ThreadPool::keep_workers_off_caller_cpu() {
#if defined(__linux__)
  const int cpu = sched_getcpu();
  if (cpu == caller_cpu_) return;
  caller_cpu_ = cpu;
  cpu_set_t allowed;
  if (cpu < 0 || sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2 ||
      !CPU_ISSET(cpu, &allowed))
    return;
  CPU_CLR(cpu, &allowed);
  for (std::thread& w : workers_) pthread_setaffinity_np(w.native_handle(), sizeof allowed, &allowed);
#endif
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(sleep_mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread& w : workers_) w.join();
}

// Takes the next task of `home`'s queue: its front for the owner, its back
// for a thief. False when that queue is empty.
bool ThreadPool::claim(int home, bool own, int& task) {
  std::atomic<unsigned long long>& q = queues_[size_t(home)].range;
  unsigned long long r = q.load(std::memory_order_relaxed);
  for (;;) {
    unsigned front = unsigned(r >> 32), back = unsigned(r);
    if (front >= back) return false;
    const unsigned k = own ? front++ : --back;
    if (q.compare_exchange_weak(r, (static_cast<unsigned long long>(front) << 32) | back,
                                std::memory_order_acq_rel, std::memory_order_relaxed)) {
      task = home + threads_ * int(k);
      return true;
    }
  }
}

void ThreadPool::run_tasks(int thread) {
  auto run_one = [&](int task) {
    try {
      fn_(ctx_, task, thread);
    } catch (...) {
      std::lock_guard<std::mutex> lk(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
    finished_.fetch_add(1, std::memory_order_acq_rel);
  };
  int task;
  while (claim(thread, true, task)) run_one(task);
  for (int v = 1; v < threads_; ++v) {  // then the others', nearest first
    const int victim = (thread + v) % threads_;
    while (claim(victim, false, task)) run_one(task);
  }
}

void ThreadPool::dispatch(int tasks, TaskFn fn, void* ctx) {
  if (tasks <= 0) return;
  std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
  if (threads_ == 1 || tasks == 1 || !busy.owns_lock()) {
    for (int i = 0; i < tasks; ++i) fn(ctx, i, 0);  // serial: exceptions go straight up
    return;
  }
  // Odd epoch: no worker may enter; wait for those still inside the last
  // job (they find nothing left to claim and leave).
  epoch_.fetch_add(1);
  for (unsigned n = 0; inside_.load() != 0; ++n)
    if (n < 4096) spin_pause();
    else std::this_thread::yield();
  keep_workers_off_caller_cpu();
  fn_ = fn, ctx_ = ctx, error_ = nullptr;
  park_.store(false, std::memory_order_relaxed);
  finished_.store(0, std::memory_order_relaxed);
  for (int t = 0; t < threads_; ++t) {
    const unsigned count = t < tasks ? unsigned((tasks - 1 - t) / threads_ + 1) : 0u;
    queues_[size_t(t)].range.store(count, std::memory_order_relaxed);  // front 0, back count
  }
  // Even again: the job is published. seq_cst here and in the worker's
  // sleepers_ then epoch_: either it sees the job before it sleeps, or this
  // thread sees it asleep and wakes it.
  epoch_.fetch_add(1);
  if (sleepers_.load() > 0) {
    { std::lock_guard<std::mutex> lk(sleep_mutex_); }
    wake_.notify_all();
  }
  run_tasks(0);
  // Every task is claimed; wait for the ones still running elsewhere.
  for (unsigned n = 0; finished_.load(std::memory_order_acquire) != tasks; ++n)
    if (n < 4096) spin_pause();
    else std::this_thread::yield();
  if (error_) std::rethrow_exception(error_);
}

void ThreadPool::worker(int thread) {
  // No job had run at start: a job dispatched before this thread first runs
  // still gets its share (the first published epoch is 2).
  unsigned seen = 0;
  using clock = std::chrono::steady_clock;
  for (;;) {
    // Spin for the next job, reading the clock only every 256 rounds.
    const auto deadline = clock::now() + std::chrono::microseconds(spin_micros_);
    unsigned e = 0;
    bool got = false;
    for (unsigned n = 1;; ++n) {
      e = epoch_.load(std::memory_order_acquire);
      if (e != seen && (e & 1) == 0) { got = true; break; }
      if (stop_.load(std::memory_order_relaxed)) return;
      if (park_.load(std::memory_order_relaxed)) break;
      spin_pause();
      if ((n & 255) == 0 && clock::now() >= deadline) break;
    }
    if (!got) {
      std::unique_lock<std::mutex> lk(sleep_mutex_);
      sleepers_.fetch_add(1);
      wake_.wait(lk, [&] {
        const unsigned now = epoch_.load();
        return (now != seen && (now & 1) == 0) || stop_.load();
      });
      sleepers_.fetch_sub(1);
      continue;  // the spin above takes the job (or sees stop_)
    }
    seen = e;
    // Enter the job, unless the caller has started to replace it.
    inside_.fetch_add(1);
    if (epoch_.load() == e) run_tasks(thread);
    inside_.fetch_sub(1);
  }
}

}  // namespace huge2
