// parallel_for (pipeline/parallel_for.hpp): every item runs exactly once, results land in their
// own slots whatever thread ran them, and calls from several threads at once all finish.
#include "gateway/pipeline/parallel_for.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace kq::pipeline {
namespace {

TEST(ParallelFor, EveryItemRunsOnceIntoItsOwnSlot) {
  for (const std::size_t count : {0u, 1u, 31u, 32u, 33u, 5000u}) {
    std::vector<std::size_t> out(count, 0);
    std::vector<std::atomic<int>> runs(count);
    parallel_for(count, [&](std::size_t i) {
      out[i] = i * i;
      ++runs[i];
    });
    for (std::size_t i = 0; i < count; ++i) {
      EXPECT_EQ(out[i], i * i) << "count " << count;
      EXPECT_EQ(runs[i].load(), 1) << "item " << i << " of " << count;
    }
  }
}

TEST(ParallelFor, ALargeBatchUsesTheFreeCoresWhenThereAreAny) {
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> helped{false};
  parallel_for(1000, [&](std::size_t i) {
    if (std::this_thread::get_id() != caller) helped = true;
    // The first item waits (at most 5 s) for another thread to take one: a helper must, whatever
    // the machine's load, while the caller is held here.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (i == 0 && !helped && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  });
  EXPECT_EQ(helped.load(), std::thread::hardware_concurrency() > 1);
}

TEST(ParallelFor, CallsFromSeveralThreadsAtOnceAllFinish) {
  // Two batches share the helpers: each caller works through its own items, so neither waits
  // for a helper the other holds.
  std::atomic<std::size_t> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] { parallel_for(3000, [&](std::size_t) { ++total; }); });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(total.load(), 12000u);
}

}  // namespace
}  // namespace kq::pipeline
