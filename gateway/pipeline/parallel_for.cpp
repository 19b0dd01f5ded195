#include "gateway/pipeline/parallel_for.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace kq::pipeline {

namespace {

constexpr std::size_t kBlock = 8;         // items taken at a time
constexpr std::size_t kWorthSharing = 32;  // below this, handing items out costs more than it saves

// Shared with the helpers, which may outlive the call (one that starts late finds nothing left).
struct Work {
  std::size_t count = 0;
  const std::function<void(std::size_t)>* body = nullptr;  // valid while items remain untaken
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> finished{0};
  std::mutex mutex;
  std::condition_variable all_finished;

  // Takes and runs blocks until none is left.
  void run() {
    for (;;) {
      const std::size_t first = next.fetch_add(kBlock);
      if (first >= count) return;
      const std::size_t last = std::min(first + kBlock, count);
      for (std::size_t i = first; i < last; ++i) (*body)(i);
      if (finished.fetch_add(last - first) + (last - first) == count) {
        std::lock_guard lock(mutex);
        all_finished.notify_all();
      }
    }
  }
};

boost::asio::thread_pool& helpers() {
  static boost::asio::thread_pool pool(parallel_helpers());
  return pool;
}

}  // namespace

std::size_t parallel_helpers() {
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 1 ? hardware - 1 : 1;
}

void parallel_for(std::size_t count, const std::function<void(std::size_t)>& body) {
  if (count < kWorthSharing || std::thread::hardware_concurrency() < 2) {
    for (std::size_t i = 0; i < count; ++i) body(i);
    return;
  }
  auto work = std::make_shared<Work>();
  work->count = count;
  work->body = &body;
  const std::size_t asked = std::min(parallel_helpers(), (count + kBlock - 1) / kBlock - 1);
  for (std::size_t h = 0; h < asked; ++h) boost::asio::post(helpers(), [work] { work->run(); });
  work->run();
  std::unique_lock lock(work->mutex);
  work->all_finished.wait(lock, [&] { return work->finished.load() == count; });
}

}  // namespace kq::pipeline
