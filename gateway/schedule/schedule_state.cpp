#include "gateway/schedule/schedule_state.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

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

std::string label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out;
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
  const auto temp = dir / (file_name(adapter, name) + ".tmp");
  const std::string text = std::to_string(utc) + "\n";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + temp.string());
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + temp.string());
  std::filesystem::rename(temp, target);
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

void ScheduleBoard::set_next(const std::string& adapter, const std::string& name, std::int64_t utc) {
  std::lock_guard lock(mutex_);
  entries_[{adapter, name}].next = utc;
}

void ScheduleBoard::ran(const std::string& adapter, const std::string& name, std::int64_t utc) {
  std::lock_guard lock(mutex_);
  entries_[{adapter, name}].last = utc;
  ++runs_[{adapter, name}];
}

void ScheduleBoard::nothing_to_do(const std::string& adapter, const std::string& name) {
  std::lock_guard lock(mutex_);
  ++idle_runs_[{adapter, name}];
}

void ScheduleBoard::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

std::string ScheduleBoard::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  auto family = [&](const char* name, const char* help, const char* type, auto value_of) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    for (const auto& [key, entry] : entries_) {
      const auto value = value_of(key, entry);
      if (!value) continue;
      out += std::string(name) + "{adapter=\"" + label(key.first) + "\",schedule=\"" + label(key.second) +
             "\"} " + std::to_string(*value) + "\n";
    }
  };
  using Key = std::pair<std::string, std::string>;
  family("kangqiao_schedule_next_run_timestamp_seconds", "When a calendar schedule runs next (Unix seconds).",
         "gauge", [](const Key&, const Entry& e) { return e.next; });
  family("kangqiao_schedule_last_run_timestamp_seconds",
         "When a calendar schedule's last run started (Unix seconds).", "gauge",
         [](const Key&, const Entry& e) { return e.last; });
  family("kangqiao_schedule_runs_total", "Runs of a calendar schedule since the gateway started.", "counter",
         [this](const Key& k, const Entry&) -> std::optional<std::int64_t> {
           const auto it = runs_.find(k);
           return static_cast<std::int64_t>(it != runs_.end() ? it->second : 0);
         });
  // Interval schedules have no entry: this family lists every schedule that ever came up empty.
  const char* idle = "kangqiao_schedule_nothing_to_do_total";
  out += std::string("# HELP ") + idle +
         " Schedule runs whose adapter found nothing to do (a source not modified), so nothing was stored.\n"
         "# TYPE " + idle + " counter\n";
  for (const auto& [key, count] : idle_runs_) {
    out += std::string(idle) + "{adapter=\"" + label(key.first) + "\",schedule=\"" + label(key.second) + "\"} " +
           std::to_string(count) + "\n";
  }
  return out;
}

}  // namespace kq::schedule
