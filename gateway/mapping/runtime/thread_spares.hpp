#pragma once
// Buffers that mapping a document fills and empties many times (a let's values, the values
// waiting to be written into a record) are kept per thread between documents, so that each
// document does not allocate and free them all again. Internal to kq_mapping.
//
// T::reset() empties a set of buffers, keeping their capacity, and returns false when they grew
// unusually large for some document: those are dropped rather than kept for the next.
#include <cstddef>
#include <memory>
#include <vector>

namespace kq::mapping::detail {

template <class T>
class ThreadSpares {
 public:
  // A set of empty buffers: this thread's last spare, or a new one.
  static std::unique_ptr<T> take() {
    auto& spares = list();
    if (spares.empty()) return std::make_unique<T>();
    std::unique_ptr<T> buffers = std::move(spares.back());
    spares.pop_back();
    return buffers;
  }

  static void give_back(std::unique_ptr<T> buffers) {
    auto& spares = list();
    if (!buffers || spares.size() >= kKept || !buffers->reset()) return;
    spares.push_back(std::move(buffers));
  }

 private:
  // More than one user can be alive at a time on one thread (a mapping's source.match while
  // another is applied), so it is a small stack.
  static constexpr std::size_t kKept = 4;
  static std::vector<std::unique_ptr<T>>& list() {
    thread_local std::vector<std::unique_ptr<T>> spares;
    return spares;
  }
};

}  // namespace kq::mapping::detail
