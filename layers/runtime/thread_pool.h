// huge2's own threads: one persistent pool that runs the planned per-thread
// ranges of the direct kernels and the engine's elementwise loops.
//
// Why not an OpenMP region per layer: libgomp's idle threads either sleep at
// once (OMP_WAIT_POLICY=passive: every 0.3-3 ms layer pays a futex wake-up
// per thread, which on a VM can cost as much as the layer's share) or spin
// for a long, policy-defined time (unset/active: they take the cores from
// whatever runs next, Darknet's own layers inside the plugin included).
// Measured on main 0432ee4: 2 threads ran the DCGAN and YOLO-neck layers at
// 0.8x of 1 thread with passive, erratically with the others.
//
// This pool's workers spin for a bounded time after each job (long enough
// to cover the gap between two layers of a network, short enough not to
// starve the next non-huge2 code), then sleep on a condition variable; the
// caller is thread 0 and runs its own share, so a 1-thread pool has no
// worker at all. The policy is the pool's own, whatever OMP_WAIT_POLICY says.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace huge2 {

// The thread count when none is given: OMP_NUM_THREADS (its first number),
// as OpenMP would read it, else the hardware threads.
int default_threads();

class ThreadPool {
 public:
  // Workers spin this long after a job before they sleep.
  static constexpr int kDefaultSpinMicros = 300;

  // threads >= 1 (1: the caller alone, no worker thread). spin_micros: see
  // above; HUGE2_SPIN_US overrides the default for experiments.
  explicit ThreadPool(int threads, int spin_micros = -1);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }
  // Whether some worker sleeps now (its spin after the last job ran out, or
  // park()): a job then pays a wake-up per worker first (15-30 us on the
  // 2-core VM), which a job of a few tens of microseconds does not repay.
  bool workers_asleep() const { return sleepers_.load(std::memory_order_relaxed) > 0; }

  // Runs task(i) for every i in [0, tasks), each exactly once, and returns
  // when all are done; rethrows the first exception a task threw. Task i's
  // home is thread i % threads() (the caller is thread 0): each thread runs
  // its home tasks in increasing order, so a plan's per-thread ranges land
  // where they were planned; a thread that runs out takes the highest
  // unstarted task of another. So a worker that the OS has not scheduled
  // (another process's, or another library's spinning threads on the core)
  // costs its share of time, not a wait: the others do its work.
  // A call made while the pool is busy (from a task, or from another thread)
  // runs every task on the calling thread instead.
  template <class F>
  void run(int tasks, F&& task) {
    using Fn = std::remove_reference_t<F>;
    dispatch(tasks, [](void* f, int i, int) { (*static_cast<Fn*>(f))(i); },
             const_cast<void*>(static_cast<const void*>(&task)));
  }
  // run(), with task(i, thread): thread is the pool thread running task i
  // (0 = the caller; < threads()), for tasks that keep per-thread scratch.
  template <class F>
  void run_on_threads(int tasks, F&& task) {
    using Fn = std::remove_reference_t<F>;
    dispatch(tasks, [](void* f, int i, int thread) { (*static_cast<Fn*>(f))(i, thread); },
             const_cast<void*>(static_cast<const void*>(&task)));
  }

  // Sends the idle workers to sleep now instead of at the end of their spin:
  // for a caller about to run another library's threads (the stock method's
  // OpenMP and OpenBLAS), which would otherwise share the cores with them.
  void park() { park_.store(true, std::memory_order_relaxed); }

  // Splits [0, n) into at most threads() contiguous, near-equal ranges of at
  // least `grain` items and runs fn(begin, end) on each.
  template <class F>
  void parallel_for(size_t n, F&& fn, size_t grain = 1) {
    if (n == 0) return;
    const size_t parts = std::min<size_t>(size_t(threads_), std::max<size_t>(1, n / std::max<size_t>(1, grain)));
    run(int(parts), [&](int i) { fn(n * size_t(i) / parts, n * size_t(i + 1) / parts); });
  }

 private:
  using TaskFn = void (*)(void* ctx, int task, int thread);
  void dispatch(int tasks, TaskFn fn, void* ctx);
  void run_tasks(int thread);  // its home tasks, then others' (stealing)
  bool claim(int home, bool own, int& task);
  void worker(int thread);
  void keep_workers_off_caller_cpu();

  const int threads_;
  const int spin_micros_;
  std::vector<std::thread> workers_;

  // The job. The caller writes it only while epoch_ is odd and no worker
  // is inside it (inside_ == 0); workers enter by inside_++ and then check
  // that epoch_ is still the even value they saw (seq_cst on both sides, so
  // either the caller sees the worker inside or the worker sees the change).
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  // Per home thread: its unstarted tasks are home + threads_ * k for k in
  // [front, back), packed as front << 32 | back; the owner takes the front,
  // thieves the back.
  struct alignas(64) Queue {
    std::atomic<unsigned long long> range{0};
  };
  std::vector<Queue> queues_;
  std::atomic<unsigned> epoch_{0};
  std::atomic<int> inside_{0};   // workers inside the current job
  std::atomic<int> finished_{0}; // tasks done
  std::atomic<bool> stop_{false};
  std::atomic<bool> park_{false};
  std::exception_ptr error_;
  std::mutex error_mutex_;

  std::mutex busy_;                 // one job at a time
  std::mutex sleep_mutex_;          // workers sleep on wake_ under it
  std::condition_variable wake_;
  std::atomic<int> sleepers_{0};
  int caller_cpu_ = -1;  // where keep_workers_off_caller_cpu() last saw the caller (under busy_)
};

// pool->parallel_for, or fn(0, n) on the calling thread when pool is null.
template <class F>
void parallel_for(ThreadPool* pool, size_t n, F&& fn, size_t grain = 1) {
  if (pool) pool->parallel_for(n, fn, grain);
  else if (n) fn(size_t(0), n);
}

}  // namespace huge2
