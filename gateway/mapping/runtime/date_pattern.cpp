#include "gateway/mapping/runtime/date_pattern.hpp"

namespace kq::mapping::detail {

namespace {

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::size_t run_length(std::string_view text, std::size_t pos) {
  std::size_t n = 1;
  while (pos + n < text.size() && text[pos + n] == text[pos]) ++n;
  return n;
}

}  // namespace

std::optional<int> parse_utc_offset(std::string_view text) {
  if (text == "Z") return 0;
  if (text.size() < 3 || (text[0] != '+' && text[0] != '-')) return std::nullopt;
  const int sign = text[0] == '-' ? -1 : 1;
  std::string_view rest = text.substr(1);
  auto two = [](std::string_view s) { return (s[0] - '0') * 10 + (s[1] - '0'); };
  if (rest.size() < 2 || !is_digit(rest[0]) || !is_digit(rest[1])) return std::nullopt;
  const int hours = two(rest);
  int minutes = 0;
  rest.remove_prefix(2);
  if (!rest.empty() && rest[0] == ':') rest.remove_prefix(1);
  if (!rest.empty()) {
    if (rest.size() != 2 || !is_digit(rest[0]) || !is_digit(rest[1])) return std::nullopt;
    minutes = two(rest);
  }
  if (hours > 14 || minutes > 59) return std::nullopt;
  return sign * (hours * 60 + minutes);
}

std::optional<DatePattern> DatePattern::compile(std::string_view pattern, std::string& error) {
  DatePattern p;
  p.text_ = std::string(pattern);
  bool has_year = false, has_second = false;
  std::size_t i = 0;
  auto add_literal = [&p](std::string_view text) {
    if (!p.tokens_.empty() && p.tokens_.back().part == Part::literal) {
      p.tokens_.back().literal += text;
    } else {
      Token t;
      t.literal = std::string(text);
      p.tokens_.push_back(std::move(t));
    }
  };
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == '\'') {
      const std::size_t end = pattern.find('\'', i + 1);
      if (end == std::string_view::npos) {
        error = "unterminated quote in date pattern '" + p.text_ + "'";
        return std::nullopt;
      }
      add_literal(end == i + 1 ? std::string_view("'") : pattern.substr(i + 1, end - i - 1));
      i = end + 1;
      continue;
    }
    if (!is_letter(c)) {
      add_literal(pattern.substr(i, 1));
      ++i;
      continue;
    }
    const std::size_t n = run_length(pattern, i);
    const std::string run(pattern.substr(i, n));
    Token t;
    if (run == "yyyy") {
      t = {Part::year, 4, 4, {}};
      has_year = true;
    } else if (run == "MM" || run == "M") {
      t = {Part::month, static_cast<int>(n), 2, {}};
      p.has_month_ = true;
    } else if (run == "dd" || run == "d") {
      t = {Part::day, static_cast<int>(n), 2, {}};
      p.has_day_ = true;
    } else if (run == "HH" || run == "H") {
      t = {Part::hour, static_cast<int>(n), 2, {}};
      p.has_hour_ = true;
    } else if (run == "mm") {
      t = {Part::minute, 2, 2, {}};
      p.has_minute_ = true;
    } else if (run == "ss") {
      t = {Part::second, 2, 2, {}};
      has_second = true;
    } else if (run == "SSS") {
      t = {Part::millisecond, 1, 3, {}};
    } else if (run == "Z") {
      t = {Part::offset, 0, 0, {}};
    } else {
      error = "'" + run + "' in date pattern '" + p.text_ +
              "' is not a field; use yyyy, MM, M, dd, d, HH, H, mm, ss, SSS or Z, and quote literal letters ('T')";
      return std::nullopt;
    }
    p.tokens_.push_back(std::move(t));
    i += n;
  }
  if (!has_year) {
    error = "date pattern '" + p.text_ + "' has no year (yyyy)";
  } else if (p.has_day_ && !p.has_month_) {
    error = "date pattern '" + p.text_ + "' has a day but no month (months are MM; mm is minutes)";
  } else if (p.has_minute_ && !p.has_hour_) {
    error = "date pattern '" + p.text_ + "' has minutes (mm) but no hour (HH); months are MM";
  } else if (has_second && !p.has_minute_) {
    error = "date pattern '" + p.text_ + "' has seconds but no minutes";
  } else if (p.has_hour_ && !p.has_minute_) {
    error = "date pattern '" + p.text_ + "' has an hour but no minutes (mm)";
  } else {
    return p;
  }
  return std::nullopt;
}

bool DatePattern::parse(std::string_view text, DateFields& out, std::string& error) const {
  out = DateFields{};
  std::size_t pos = 0;
  for (const Token& t : tokens_) {
    if (t.part == Part::literal) {
      if (text.substr(pos, t.literal.size()) != t.literal) {
        error = "does not match the pattern " + text_ + " (expected '" + t.literal + "' at character " +
                std::to_string(pos + 1) + ")";
        return false;
      }
      pos += t.literal.size();
      continue;
    }
    if (t.part == Part::offset) {
      std::size_t end = pos;
      while (end < text.size() && (is_digit(text[end]) || text[end] == ':' || text[end] == '+' ||
                                   text[end] == '-' || text[end] == 'Z')) {
        ++end;
      }
      auto offset = parse_utc_offset(text.substr(pos, end - pos));
      if (!offset) {
        error = "has no valid UTC offset at character " + std::to_string(pos + 1) + " (pattern " + text_ + ")";
        return false;
      }
      out.offset_minutes = offset;
      pos = end;
      continue;
    }
    int value = 0;
    int digits = 0;
    while (digits < t.max_digits && pos < text.size() && is_digit(text[pos])) {
      value = value * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits < t.min_digits || digits == 0) {
      error = "does not match the pattern " + text_ + " (expected digits at character " + std::to_string(pos + 1) + ")";
      return false;
    }
    switch (t.part) {
      case Part::year: out.year = value; break;
      case Part::month: out.month = value; break;
      case Part::day: out.day = value; break;
      case Part::hour: out.hour = value; break;
      case Part::minute: out.minute = value; break;
      case Part::second: out.second = value; break;
      case Part::millisecond: out.millisecond = digits == 1 ? value * 100 : digits == 2 ? value * 10 : value; break;
      case Part::literal:
      case Part::offset: break;
    }
  }
  if (pos != text.size()) {
    error = "does not match the pattern " + text_ + " (unexpected text after character " + std::to_string(pos) + ")";
    return false;
  }
  return true;
}

}  // namespace kq::mapping::detail
