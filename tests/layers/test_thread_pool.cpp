// runtime/thread_pool: every task and every item exactly once, on the
// thread the plan put it on, through many tiny jobs, sleeps and destruction.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "runtime/thread_pool.h"

using namespace huge2;

TEST_CASE("thread pool: run() executes every task once, on the pool's threads", "[thread_pool]") {
  for (int threads = 1; threads <= 8; ++threads) {
    ThreadPool pool(threads);
    REQUIRE(pool.threads() == threads);
    for (int tasks : {1, 2, 3, 7, 8, 13, 64, 101}) {
      std::vector<std::atomic<int>> count(static_cast<size_t>(tasks));
      std::vector<std::thread::id> who(static_cast<size_t>(tasks));
      pool.run(tasks, [&](int i) {
        count[size_t(i)].fetch_add(1);
        who[size_t(i)] = std::this_thread::get_id();
      });
      INFO(threads << " threads, " << tasks << " tasks");
      for (int i = 0; i < tasks; ++i) REQUIRE(count[size_t(i)].load() == 1);
      // Where each runs depends on who is scheduled (idle threads take others'
      // tasks), but never on more threads than the pool has.
      std::vector<std::thread::id> distinct(who);
      std::sort(distinct.begin(), distinct.end());
      REQUIRE(std::unique(distinct.begin(), distinct.end()) - distinct.begin() <= threads);
    }
  }
}

TEST_CASE("thread pool: parallel_for covers 0 .. n-1 exactly once in contiguous ranges", "[thread_pool]") {
  for (int threads = 1; threads <= 8; ++threads) {
    ThreadPool pool(threads);
    for (size_t n : {size_t(1), size_t(2), size_t(5), size_t(9), size_t(31), size_t(1001)})
      for (size_t grain : {size_t(1), size_t(4), size_t(1000)}) {
        std::vector<std::atomic<int>> seen(n);
        std::atomic<int> ranges{0}, empty{0};
        pool.parallel_for(n, [&](size_t b, size_t e) {  // Catch's REQUIRE is not thread-safe: count, check after
          empty.fetch_add(b >= e);
          ranges.fetch_add(1);
          for (size_t i = b; i < e; ++i) seen[i].fetch_add(1);
        }, grain);
        INFO(threads << " threads, n " << n << ", grain " << grain);
        REQUIRE(empty.load() == 0);
        for (size_t i = 0; i < n; ++i) REQUIRE(seen[i].load() == 1);
        REQUIRE(ranges.load() <= threads);
        REQUIRE(size_t(ranges.load()) <= std::max<size_t>(1, n / grain));
      }
  }
  // A null pool runs the whole range on the caller.
  int calls = 0;
  parallel_for(nullptr, 10, [&](size_t b, size_t e) {
    calls++;
    REQUIRE((b == 0 && e == 10));
  });
  REQUIRE(calls == 1);
}

TEST_CASE("thread pool: 10,000 tiny dispatches, then sleeping workers wake", "[thread_pool]") {
  ThreadPool pool(3, 50);  // a short spin, so the workers really go to sleep below
  std::atomic<long> sum{0};
  for (int j = 0; j < 10000; ++j) pool.run(3, [&](int i) { sum.fetch_add(i + 1); });
  REQUIRE(sum.load() == 10000L * 6);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the spin: asleep
  pool.run(3, [&](int i) { sum.fetch_add(i + 1); });
  REQUIRE(sum.load() == 10001L * 6);
}

TEST_CASE("thread pool: workers_asleep() tells a spinning pool from a sleeping one", "[thread_pool]") {
  // Direct plans of a few tens of microseconds use a second thread only
  // while the pool's workers spin (DirectPlan::run, cold_threads_).
  ThreadPool spinning(2, 10000000);  // 10 s of spin after each job
  spinning.run(2, [](int) {});
  CHECK_FALSE(spinning.workers_asleep());
  ThreadPool sleeping(2, 0);
  sleeping.run(2, [](int) {});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!sleeping.workers_asleep() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(sleeping.workers_asleep());
  spinning.park();  // sent to sleep at once
  while (!spinning.workers_asleep() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(spinning.workers_asleep());
  std::atomic<int> n{0};
  sleeping.run(2, [&](int) { n.fetch_add(1); });
  CHECK(n.load() == 2);
  ThreadPool alone(1);  // no worker at all
  CHECK_FALSE(alone.workers_asleep());
}

TEST_CASE("thread pool: destroyed while idle, spinning or asleep", "[thread_pool]") {
  for (int spin : {0, 1000000}) {
    ThreadPool pool(4, spin);
    std::atomic<int> n{0};
    pool.run(4, [&](int) { n.fetch_add(1); });
    REQUIRE(n.load() == 4);
    if (spin == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }  // the destructor must join both kinds of idle worker
  { ThreadPool never_used(4); }
}

TEST_CASE("thread pool: a task's exception reaches the caller, and nested calls run serially", "[thread_pool]") {
  ThreadPool pool(3);
  REQUIRE_THROWS_WITH(pool.run(6, [](int i) { if (i == 4) throw std::runtime_error("task 4"); }), "task 4");
  std::atomic<int> n{0};
  pool.run(3, [&](int) { pool.run(5, [&](int) { n.fetch_add(1); }); });  // the pool is busy: inline
  REQUIRE(n.load() == 15);
  pool.run(3, [&](int) { n.fetch_add(1); });  // and still works afterwards
  REQUIRE(n.load() == 18);
}

TEST_CASE("thread pool: a job dispatched before the workers first run still reaches them", "[thread_pool]") {
  // Workers that took the epoch they first saw as already done skipped it,
  // and the caller waited for them forever.
  for (int j = 0; j < 300; ++j) {
    ThreadPool pool(4);
    std::atomic<int> n{0};
    pool.run(4, [&](int) { n.fetch_add(1); });
    REQUIRE(n.load() == 4);
  }
}

TEST_CASE("thread pool: a thread that runs out takes another's unstarted tasks", "[thread_pool]") {
  // Thread 1's home tasks are 1, 3, 5, 7, 9. Task 1 waits for task 9: without
  // stealing (9 taken from the back of thread 1's queue by the caller) it
  // would wait for ever; the wait gives up after 10 s so the test fails, not hangs.
  for (int round = 0; round < 20; ++round) {
    ThreadPool pool(2);
    std::atomic<bool> nine_done{false}, gave_up{false};
    std::atomic<int> ran{0};
    pool.run(10, [&](int i) {
      if (i == 9) nine_done.store(true);
      if (i == 1) {
        const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!nine_done.load())
          if (std::chrono::steady_clock::now() > limit) {
            gave_up.store(true);
            break;
          }
      }
      ran.fetch_add(1);
    });
    REQUIRE(ran.load() == 10);
    REQUIRE_FALSE(gave_up.load());
  }
}
