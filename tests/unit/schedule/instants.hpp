#pragma once
// UTC instants written as calendar dates, so that schedule tests read like the cases they check.
#include <chrono>
#include <cstdint>

namespace kq::schedule::test {

inline std::int64_t utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0) {
  using namespace std::chrono;
  const sys_days date{year{y} / month{m} / day{d}};
  return duration_cast<seconds>(date.time_since_epoch()).count() + hh * 3600 + mm * 60;
}

}  // namespace kq::schedule::test
