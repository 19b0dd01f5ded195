#pragma once
// Summarises floods of identical log lines. When the disk fills up, every message that arrives
// fails the same way and logged the same error: 152,000 lines in a minute, which buried the one
// line that mattered and then filled the log volume too.
//
// The first occurrence of a line is written. Identical ones within the window that follows are
// only counted; at the end of each window that saw repeats, one summary says how many there were.
// "Identical" means the same level, event and text fields: numbers (counts, sizes, durations) vary
// from one occurrence to the next without making it a different problem.
//
// Not thread-safe: the log holds its lock around every call.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace kq::log {

class RepeatFilter {
 public:
  using Clock = std::chrono::steady_clock;

  // What a summary reports: the line's key (as given to admit()), how many occurrences were not
  // written, and over how long.
  struct Summary {
    std::string key;
    std::uint64_t repeats = 0;
    std::chrono::milliseconds window{0};
  };
  using Emit = std::function<void(const Summary&)>;

  explicit RepeatFilter(std::size_t max_tracked = 256) : max_tracked_(max_tracked) {}

  // 0 turns summarising off: every line is written.
  void set_window(std::chrono::milliseconds window) { window_ = window; }
  std::chrono::milliseconds window() const { return window_; }

  // True when the line with this key is to be written now. A window that ended with repeats is
  // first reported through `emit`.
  bool admit(const std::string& key, Clock::time_point now, const Emit& emit);

  // Reports every window that has ended with repeats, and forgets lines that stopped repeating.
  // Called periodically, so that the count of a burst appears even if nothing else is logged.
  void flush(Clock::time_point now, const Emit& emit, bool everything = false);

  std::size_t tracked() const { return entries_.size(); }

 private:
  struct Entry {
    Clock::time_point window_start;
    std::uint64_t repeats = 0;
  };

  std::chrono::milliseconds window_{10'000};
  std::size_t max_tracked_;
  std::map<std::string, Entry> entries_;
};

}  // namespace kq::log
