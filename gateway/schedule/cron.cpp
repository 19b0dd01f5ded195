// Parsing and evaluating five-field cron expressions (see cron.hpp for the grammar).
#include <array>
#include <chrono>
#include <cctype>
#include <sstream>
#include <vector>

#include "gateway/schedule/cron.hpp"

namespace kq::schedule {

namespace {

struct FieldSpec {
  const char* name;
  int min, max;
  const char* const* names;  // names for min.., or nullptr
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

constexpr std::array<FieldSpec, 5> kFields{{{"minute", 0, 59, nullptr},
                                            {"hour", 0, 23, nullptr},
                                            {"day-of-month", 1, 31, nullptr},
                                            {"month", 1, 12, kMonthNames},
                                            {"day-of-week", 0, 7, kDayNames}}};

[[noreturn]] void fail(const FieldSpec& f, std::string_view text, const std::string& why) {
  throw CronError(std::string(f.name) + " field \"" + std::string(text) + "\": " + why);
}

int value(const FieldSpec& f, std::string_view field, std::string_view token) {
  if (token.empty()) fail(f, field, "a value is missing");
  if (f.names != nullptr && std::isalpha(static_cast<unsigned char>(token[0]))) {
    std::string upper;
    for (char c : token) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const int count = f.min == 1 ? 12 : 7;
    for (int i = 0; i < count; ++i) {
      if (upper == f.names[i]) return f.min + i;
    }
    fail(f, field, "\"" + std::string(token) + "\" is not a name this field accepts");
  }
  int n = 0;
  for (char c : token) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      fail(f, field, "\"" + std::string(token) + "\" is not a number");
    }
    n = n * 10 + (c - '0');
    if (n > 1000) break;
  }
  if (n < f.min || n > f.max) {
    fail(f, field, std::to_string(n) + " is outside " + std::to_string(f.min) + "-" + std::to_string(f.max));
  }
  return n;
}

// Fills `bits` (indexed by value) from one field; returns whether it was restricted (not "*").
template <std::size_t N>
bool parse_field(const FieldSpec& f, std::string_view field, std::bitset<N>& bits) {
  bool restricted = field.empty() || field[0] != '*';
  std::size_t start = 0;
  while (start <= field.size()) {
    const std::size_t comma = std::min(field.find(',', start), field.size());
    const std::string_view item = field.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) fail(f, field, "an empty list item");
    std::string_view range = item;
    int step = 1;
    if (const auto slash = item.find('/'); slash != std::string_view::npos) {
      range = item.substr(0, slash);
      const std::string_view step_text = item.substr(slash + 1);
      const FieldSpec step_spec{f.name, 1, f.max, nullptr};
      step = value(step_spec, field, step_text);
    }
    int lo = f.min;
    int hi = f.max;
    if (f.names == kDayNames) hi = 6;  // "*" means Sunday once, not 0 and 7
    if (range != "*") {
      const auto dash = range.find('-');
      lo = value(f, field, range.substr(0, dash));
      if (dash != std::string_view::npos) {
        hi = value(f, field, range.substr(dash + 1));
        if (hi < lo) fail(f, field, "the range " + std::string(range) + " runs backwards");
      } else if (item.find('/') == std::string_view::npos) {
        hi = lo;
      }  // "n/step": from n to the end of the field
    }
    for (int v = lo; v <= hi; v += step) bits.set(static_cast<std::size_t>(v % static_cast<int>(N)));
  }
  return restricted;
}

std::string_view macro(std::string_view text) {
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@hourly") return "0 * * * *";
  return {};
}

}  // namespace

CronExpression parse_cron(std::string_view text) {
  CronExpression cron;
  cron.text = std::string(text);
  std::string_view body = text;
  if (!text.empty() && text[0] == '@') {
    body = macro(text);
    if (body.empty()) {
      throw CronError("\"" + std::string(text) +
                      "\" is not one of @hourly @daily @midnight @weekly @monthly @yearly @annually");
    }
  }
  std::istringstream words{std::string(body)};
  std::vector<std::string> fields;
  for (std::string w; words >> w;) fields.push_back(w);
  if (fields.size() != 5) {
    throw CronError("\"" + std::string(text) + "\" has " + std::to_string(fields.size()) +
                    " fields; five are needed: minute hour day-of-month month day-of-week");
  }
  parse_field(kFields[0], fields[0], cron.minutes);
  parse_field(kFields[1], fields[1], cron.hours);
  cron.days_restricted = parse_field(kFields[2], fields[2], cron.days);
  parse_field(kFields[3], fields[3], cron.months);
  std::bitset<8> weekdays;
  cron.weekdays_restricted = parse_field(kFields[4], fields[4], weekdays);
  for (std::size_t d = 0; d < 7; ++d) cron.weekdays[d] = weekdays[d] || (d == 0 && weekdays[7]);
  if (!next_run(cron, TimeZone::utc(), 946684800)) {  // 2000-01-01: spans leap years
    throw CronError("\"" + std::string(text) + "\" never matches a date");
  }
  return cron;
}

std::optional<std::int64_t> next_run(const CronExpression& cron, const TimeZone& zone,
                                     std::int64_t after_utc) {
  using namespace std::chrono;
  // Walk wall-clock minutes from the one after `after`, skipping whole months, days and hours
  // that cannot match: at most ~30 years of days, a few hundred thousand steps in the worst case.
  std::int64_t local = after_utc + zone.offset_at(after_utc);
  local = local - (local % 60 + 60) % 60 + 60;
  const std::int64_t limit = local + 30LL * 366 * 86400;
  while (local < limit) {
    const auto day = floor<days>(sys_seconds{seconds{local}});
    const year_month_day ymd{day};
    const std::int64_t day_start = duration_cast<seconds>(day.time_since_epoch()).count();
    const auto month = static_cast<unsigned>(ymd.month());
    if (!cron.months[month]) {
      const auto next = sys_days{(ymd.year() / ymd.month() / 1) + std::chrono::months{1}};
      local = duration_cast<seconds>(next.time_since_epoch()).count();
      continue;
    }
    const bool dom = cron.days[static_cast<unsigned>(ymd.day())];
    const bool dow = cron.weekdays[weekday{day}.c_encoding()];
    const bool day_ok = cron.days_restricted && cron.weekdays_restricted ? (dom || dow) : (dom && dow);
    if (!day_ok) {
      local = day_start + 86400;
      continue;
    }
    const auto second_of_day = local - day_start;
    if (!cron.hours[static_cast<std::size_t>(second_of_day / 3600)]) {
      local = local - second_of_day % 3600 + 3600;
      continue;
    }
    if (!cron.minutes[static_cast<std::size_t>(second_of_day / 60 % 60)]) {
      local += 60;
      continue;
    }
    const std::int64_t utc = zone.to_utc(local);
    if (utc > after_utc) return utc;
    local += 60;  // the second pass of a repeated hour, or a gap time already run
  }
  return std::nullopt;
}

CalendarSchedule make_calendar_schedule(std::string_view cron, std::string_view zone) {
  return CalendarSchedule{parse_cron(cron), TimeZone::load(zone.empty() ? kDefaultTimeZone : zone)};
}

}  // namespace kq::schedule
