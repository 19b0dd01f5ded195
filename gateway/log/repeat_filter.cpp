#include "gateway/log/repeat_filter.hpp"

namespace kq::log {

namespace {
std::chrono::milliseconds elapsed(RepeatFilter::Clock::time_point from, RepeatFilter::Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from);
}
}  // namespace

bool RepeatFilter::admit(const std::string& key, Clock::time_point now, const Emit& emit) {
  if (window_.count() <= 0) return true;
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_tracked_) flush(now, emit);
    // Still full: many different lines at once. Write them all rather than track without bound.
    if (entries_.size() < max_tracked_) entries_.emplace(key, Entry{now, 0});
    return true;
  }
  Entry& e = it->second;
  if (now - e.window_start < window_) {
    ++e.repeats;
    return false;
  }
  if (e.repeats == 0) {
    // The line came back after a quiet window: a new first occurrence.
    e.window_start = now;
    return true;
  }
  // The flood goes on: report the window that ended and count this one in the next.
  emit(Summary{key, e.repeats, elapsed(e.window_start, now)});
  e.window_start = now;
  e.repeats = 1;
  return false;
}

void RepeatFilter::flush(Clock::time_point now, const Emit& emit, bool everything) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    if (!everything && now - e.window_start < window_) {
      ++it;
      continue;
    }
    if (e.repeats == 0) {
      it = entries_.erase(it);
      continue;
    }
    emit(Summary{it->first, e.repeats, elapsed(e.window_start, now)});
    if (everything) {
      it = entries_.erase(it);
      continue;
    }
    // Keep counting: a flood that goes on gets one summary per window.
    e.window_start = now;
    e.repeats = 0;
    ++it;
  }
}

}  // namespace kq::log
