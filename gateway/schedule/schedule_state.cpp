#include "gateway/schedule/schedule_state.hpp"

#include "gateway/core/atomic_file.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>


namespace kq::schedule {

namespace {

// Adapter and schedule names become one file name: letters, digits, '-' and '_' stay, anything
// else is written as %XX, so two different pairs never share a file.
std::string file_name(std::string_view adapter, std::string_view name) {
  std::string out;
  auto add = [&out](std::string_view part) {
    for (unsigned char c : part) {
      if (std::isalnum(c) || c == '-' || c == '_') {
        out += static_cast<char>(c);
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        out += hex;
      }
    }
  };
  add(adapter);
  out += '.';
  add(name);
  return out + ".last-run";
}

}  // namespace

std::optional<std::int64_t> read_last_run(const std::filesystem::path& dir, std::string_view adapter,
                                          std::string_view name) {
  std::ifstream in(dir / file_name(adapter, name));
  std::int64_t utc = 0;
  if (in >> utc) return utc;
  return std::nullopt;
}

void write_last_run(const std::filesystem::path& dir, std::string_view adapter, std::string_view name,
                    std::int64_t utc) {
  std::filesystem::create_directories(dir);
  const auto target = dir / file_name(adapter, name);
  if (const auto ec = core::write_file_atomically(target, std::to_string(utc) + "\n", 0600)) {
    throw std::runtime_error("cannot write " + target.string() + ": " + ec.message());
  }
}

std::optional<FirstRun> plan_first_run(const CalendarSchedule& calendar, std::optional<std::int64_t> last_run,
                                       std::int64_t now) {
  if (last_run) {
    const auto missed = calendar.next_after(*last_run);
    if (missed && *missed <= now) return FirstRun{now, true};
  }
  const auto next = calendar.next_after(now);
  if (!next) return std::nullopt;
  return FirstRun{*next, false};
}

std::string format_local(const TimeZone& zone, std::int64_t utc) {
  using namespace std::chrono;
  const int offset = zone.offset_at(utc);
  const sys_seconds local{seconds{utc + offset}};
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss time{local - day};
  char out[96];
  const int off_min = (offset < 0 ? -offset : offset) / 60;
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02ld:%02ld:%02ld%c%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                static_cast<long>(time.seconds().count()), offset < 0 ? '-' : '+', off_min / 60, off_min % 60);
  return out;
}

ScheduleBoard::ScheduleBoard(metrics::Registry& registry)
    : next_(registry.gauge_family("kangqiao_schedule_next_run_timestamp_seconds",
                                  "When a calendar schedule runs next (Unix seconds).", {"adapter", "schedule"})),
      last_(registry.gauge_family("kangqiao_schedule_last_run_timestamp_seconds",
                                  "When a calendar schedule's last run started (Unix seconds).",
                                  {"adapter", "schedule"})),
      runs_(registry.counter("kangqiao_schedule_runs_total", "Runs of a calendar schedule since the gateway started.",
                             {"adapter", "schedule"})),
      idle_runs_(registry.counter("kangqiao_schedule_nothing_to_do_total",
                                  "Schedule runs whose adapter found nothing to do (a source not modified), so "
                                  "nothing was stored.",
                                  {"adapter", "schedule"})) {}

void ScheduleBoard::set_next(const std::string& adapter, const std::string& name, std::int64_t utc) {
  next_.set({adapter, name}, static_cast<double>(utc));
}

void ScheduleBoard::ran(const std::string& adapter, const std::string& name, std::int64_t utc) {
  last_.set({adapter, name}, static_cast<double>(utc));
  runs_.inc({adapter, name});
}

void ScheduleBoard::nothing_to_do(const std::string& adapter, const std::string& name) {
  idle_runs_.inc({adapter, name});
}

void ScheduleBoard::clear() {
  next_.clear();
  last_.clear();
}

}  // namespace kq::schedule
