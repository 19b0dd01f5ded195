#pragma once
// What the gateway remembers about calendar schedules: when each last ran (a small file per
// schedule under <data_dir>/schedules/, so a run missed while the gateway was down is noticed at
// start) and, for /metrics, when each runs next.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/metrics/metrics.hpp"
#include "gateway/schedule/cron.hpp"

namespace kq::schedule {

// The UTC second the schedule's last run started; nullopt when it never ran (or the file is unreadable).
std::optional<std::int64_t> read_last_run(const std::filesystem::path& dir, std::string_view adapter,
                                          std::string_view name);
// Written atomically (temporary file, fsync, rename). Throws std::runtime_error on I/O errors.
void write_last_run(const std::filesystem::path& dir, std::string_view adapter, std::string_view name,
                    std::int64_t utc);

// When to run first after a start: a run that fell due while the gateway was down runs once,
// at once (catch_up); otherwise the next matching time. A schedule that never ran does not
// catch up: it has missed nothing.
struct FirstRun {
  std::int64_t due = 0;
  bool catch_up = false;
};
std::optional<FirstRun> plan_first_run(const CalendarSchedule& calendar, std::optional<std::int64_t> last_run,
                                       std::int64_t now);

// ISO 8601 with the zone's offset, for the log ("2026-03-09T02:30:00+08:00").
std::string format_local(const TimeZone& zone, std::int64_t utc);

// Next and last runs of every calendar schedule, as gauges and a counter of the gateway's metrics
// registry, labelled by adapter and schedule: kangqiao_schedule_next_run_timestamp_seconds,
// _last_run_timestamp_seconds and kangqiao_schedule_runs_total.
class ScheduleBoard {
 public:
  explicit ScheduleBoard(metrics::Registry& registry);
  void set_next(const std::string& adapter, const std::string& name, std::int64_t utc);
  void ran(const std::string& adapter, const std::string& name, std::int64_t utc);
  // A run (calendar or interval) whose adapter found nothing to do (ABI 1.4 nothing_to_do):
  // kangqiao_schedule_nothing_to_do_total.
  void nothing_to_do(const std::string& adapter, const std::string& name);
  // Forgets the next and last runs of every schedule (a reload: adapters may have gone); the run
  // counters keep their history, as counters must.
  void clear();

 private:
  metrics::GaugeFamily& next_;
  metrics::GaugeFamily& last_;
  metrics::CounterFamily& runs_;
  metrics::CounterFamily& idle_runs_;
};

}  // namespace kq::schedule
