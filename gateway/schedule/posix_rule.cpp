// The POSIX TZ rule at the end of a TZif file (RFC 8536 section 3.3; POSIX.1 `TZ`), M-form only:
// std offset [dst [offset] ,Mm.w.d[/time],Mm.w.d[/time]].
#include <cctype>
#include <chrono>

#include "gateway/schedule/time_zone.hpp"

namespace kq::schedule {

namespace {

struct RuleReader {
  std::string_view text;
  std::size_t pos = 0;

  [[noreturn]] void fail(std::string_view what) const {
    throw TimeZoneError("time zone rule \"" + std::string(text) + "\": " + std::string(what) +
                        " at character " + std::to_string(pos + 1));
  }
  bool at(char c) const { return pos < text.size() && text[pos] == c; }
  bool digit() const { return pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])); }

  void name() {
    if (at('<')) {  // quoted names such as <+08> may hold digits and signs
      const auto end = text.find('>', pos);
      if (end == std::string_view::npos) fail("an unterminated <name>");
      pos = end + 1;
      return;
    }
    const std::size_t start = pos;
    while (pos < text.size() && std::isalpha(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos - start < 3) fail("a zone abbreviation of at least three letters expected");
  }
  int number(int max) {
    if (!digit()) fail("a number expected");
    int n = 0;
    while (digit()) {
      n = n * 10 + (text[pos++] - '0');
      if (n > max) fail("a number out of range");
    }
    return n;
  }
  // [+|-]hh[:mm[:ss]]; POSIX offsets are west of UTC, times of day are not signed in M-form
  // (the tz database's extension allows -167..167 hours, which we accept too).
  int hms() {
    int sign = 1;
    if (at('+') || at('-')) sign = text[pos++] == '-' ? -1 : 1;
    int seconds = number(167) * 3600;
    if (at(':')) { ++pos; seconds += number(59) * 60; }
    if (at(':')) { ++pos; seconds += number(59); }
    return sign * seconds;
  }
  PosixRule::Change change() {
    if (!at(',')) fail("',' expected");
    ++pos;
    if (!at('M')) fail("only M<month>.<week>.<day> transition rules are supported");
    ++pos;
    PosixRule::Change c;
    c.month = number(12);
    if (!at('.')) fail("'.' expected");
    ++pos;
    c.week = number(5);
    if (!at('.')) fail("'.' expected");
    ++pos;
    c.weekday = number(6);
    if (c.month < 1 || c.week < 1) fail("month and week start at 1");
    if (at('/')) { ++pos; c.time = hms(); }
    return c;
  }
};

// The local second (as if UTC) at which a change happens in `year`.
std::int64_t change_local(const PosixRule::Change& c, int year) {
  using namespace std::chrono;
  const auto wd = weekday{static_cast<unsigned>(c.weekday)};
  const auto ym = std::chrono::year{year} / month{static_cast<unsigned>(c.month)};
  const sys_days day = c.week == 5 ? sys_days{ym / wd[last]} : sys_days{ym / wd[static_cast<unsigned>(c.week)]};
  return duration_cast<seconds>(day.time_since_epoch()).count() + c.time;
}

}  // namespace

PosixRule parse_posix_rule(std::string_view text) {
  RuleReader r{text};
  PosixRule rule;
  r.name();
  rule.std_offset = -r.hms();
  if (r.pos == text.size()) return rule;
  r.name();
  rule.dst_offset = rule.std_offset + 3600;
  if (!r.at(',')) rule.dst_offset = -r.hms();
  rule.dst_start = r.change();
  rule.dst_end = r.change();
  if (r.pos != text.size()) r.fail("unexpected text");
  return rule;
}

int PosixRule::offset_at(std::int64_t utc) const {
  if (!dst_offset) return std_offset;
  using namespace std::chrono;
  const auto local_day = floor<days>(sys_seconds{seconds{utc + std_offset}});
  const int year = static_cast<int>(year_month_day{local_day}.year());
  // DST starts at a standard-time wall clock and ends at a daylight-time one.
  const std::int64_t start = change_local(dst_start, year) - std_offset;
  const std::int64_t end = change_local(dst_end, year) - *dst_offset;
  const bool in_dst = start < end ? (utc >= start && utc < end) : (utc >= start || utc < end);
  return in_dst ? *dst_offset : std_offset;
}

}  // namespace kq::schedule
