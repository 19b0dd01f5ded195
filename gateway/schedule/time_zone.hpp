#pragma once
// IANA time zones read from the system's tz database (TZif files, RFC 8536), because GCC 12's
// libstdc++ has the C++20 calendar types but not std::chrono::locate_zone. Times are whole
// seconds since the Unix epoch; a "local" second count is the wall-clock time written as if it
// were UTC (what std::chrono calls local_seconds).
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kq::schedule {

struct TimeZoneError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// The POSIX TZ rule a TZif file ends with ("CST-8", "EST5EDT,M3.2.0,M11.1.0"): it governs every
// instant after the file's last listed transition.
struct PosixRule {
  int std_offset = 0;  // seconds east of UTC
  std::optional<int> dst_offset;
  // Transition days as M<month>.<week>.<weekday> (week 5: the last); times in local seconds of day.
  struct Change { int month = 0, week = 0, weekday = 0, time = 7200; };
  Change dst_start, dst_end;
  int offset_at(std::int64_t utc) const;
};
// Parses a POSIX TZ string of the M-form (the only form the tz database writes for DST rules).
// Throws TimeZoneError naming what it could not read.
PosixRule parse_posix_rule(std::string_view text);

class TimeZone {
 public:
  // Reads <tzdir>/<name>; tzdir empty: $TZDIR, else /usr/share/zoneinfo (Debian's `tzdata`).
  // Throws TimeZoneError with the name and the reason (unknown zone, not a TZif file).
  static TimeZone load(std::string_view name, std::string_view tzdir = {});
  // UTC itself, for tests and for "UTC" when no database is installed.
  static TimeZone utc();

  const std::string& name() const { return name_; }
  // Seconds east of UTC in effect at a UTC instant.
  int offset_at(std::int64_t utc) const;
  // The UTC instant of a local wall-clock time. A time that occurs twice (clocks set back)
  // gives its first occurrence; a time that does not exist (clocks set forward) gives the
  // instant as many seconds after the change as the wall time lies inside the gap, i.e. the
  // wall time read with the offset before the change.
  std::int64_t to_utc(std::int64_t local) const;
  // Whether the local time exists exactly once (no gap, no repeat): for tests and the docs.
  bool unambiguous(std::int64_t local) const;

 private:
  std::string name_;
  std::vector<std::int64_t> transitions_;  // UTC instants, ascending
  std::vector<int> offsets_;               // offsets_[i] in effect from transitions_[i]
  int initial_offset_ = 0;                 // before the first transition
  std::optional<PosixRule> rule_;          // after the last transition
};

}  // namespace kq::schedule
