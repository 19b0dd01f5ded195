#include "gateway/log/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/log/repeat_filter.hpp"

namespace kq::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;
std::string* g_test_sink = nullptr;
RepeatFilter g_repeats;  // guarded by g_mutex

const char* level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Number of UTF-8 code points in `s`, and the byte offset of each one.
std::vector<std::size_t> code_point_offsets(std::string_view s) {
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) offsets.push_back(i);
  }
  return offsets;
}

std::string utc_timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

bool parse_level(std::string_view text, Level& out) {
  if (text == "debug") { out = Level::debug; return true; }
  if (text == "info") { out = Level::info; return true; }
  if (text == "warn") { out = Level::warn; return true; }
  if (text == "error") { out = Level::error; return true; }
  return false;
}

void set_level(Level l) { g_level.store(l); }
Level level() { return g_level.load(); }

Field pii(std::string key, std::string_view value) {
  Field f(std::move(key), value);
  f.personal = true;
  return f;
}

std::string mask_personal(std::string_view value) {
  auto cps = code_point_offsets(value);
  const std::size_t n = cps.size();
  if (n == 0) return {};
  auto cp = [&](std::size_t i) {
    std::size_t end = i + 1 < n ? cps[i + 1] : value.size();
    return std::string(value.substr(cps[i], end - cps[i]));
  };
  if (n == 1) return "*";
  if (n == 2) return cp(0) + "*";
  if (n <= 4) return cp(0) + std::string(n - 2, '*') + cp(n - 1);
  // Long values (ID numbers, phone numbers): keep a short prefix and suffix.
  std::size_t keep_head = n >= 15 ? 6 : 3;
  std::size_t keep_tail = n >= 15 ? 2 : 4;
  if (keep_head + keep_tail >= n) keep_tail = 1;
  std::string out;
  for (std::size_t i = 0; i < keep_head; ++i) out += cp(i);
  out.append(n - keep_head - keep_tail, '*');
  for (std::size_t i = n - keep_tail; i < n; ++i) out += cp(i);
  return out;
}

std::string mask_identity_numbers(std::string_view text) {
  std::string out(text);
  std::size_t i = 0;
  while (i < out.size()) {
    if (!is_digit(out[i]) || (i > 0 && is_digit(out[i - 1]))) { ++i; continue; }
    std::size_t j = i;
    while (j < out.size() && is_digit(out[j])) ++j;
    std::size_t len = j - i;
    bool x_suffix = len == 17 && j < out.size() && (out[j] == 'X' || out[j] == 'x');
    if (len == 18 || x_suffix || len == 15) {
      std::size_t total = x_suffix ? 18 : len;
      // Keep the 6-digit region code, hide birth date and sequence.
      for (std::size_t k = i + 6; k < i + total - 2; ++k) out[k] = '*';
      i += total;
    } else {
      i = j;
    }
  }
  return out;
}

namespace {

// Writes one finished line; the caller holds g_mutex.
void output_locked(boost::json::object& obj) {
  std::string line = boost::json::serialize(obj);
  line.push_back('\n');
  if (g_test_sink != nullptr) {
    g_test_sink->append(line);
    return;
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

// A summary line: the repeated line's level, event and text fields (its key), the time now, and
// how many identical lines were left out over how long.
void write_summary_locked(const RepeatFilter::Summary& s) {
  boost::json::object key = boost::json::parse(s.key).as_object();
  boost::json::object obj;
  obj["ts"] = utc_timestamp();
  for (const auto& kv : key) obj[kv.key()] = kv.value();
  obj["repeated"] = static_cast<std::int64_t>(s.repeats);
  obj["window_s"] = static_cast<double>(s.window.count()) / 1000.0;
  output_locked(obj);
}

}  // namespace

void write(Level l, std::string_view event, std::initializer_list<Field> fields) {
  if (l < g_level.load(std::memory_order_relaxed)) return;
  boost::json::object obj;
  obj["ts"] = utc_timestamp();
  obj["level"] = level_name(l);
  obj["event"] = std::string(event);
  // Warnings and errors that repeat are summarised; their identity is the level, the event and
  // the text fields (after masking: the key never holds personal data either).
  const bool summarise = l >= Level::warn;
  boost::json::object key;
  if (summarise) {
    key["level"] = obj["level"];
    key["event"] = obj["event"];
  }
  for (const auto& f : fields) {
    if (const auto* s = std::get_if<std::string>(&f.value)) {
      obj[f.key] = f.personal ? mask_personal(*s) : mask_identity_numbers(*s);
      if (summarise) key[f.key] = obj[f.key];
    } else if (const auto* i = std::get_if<std::int64_t>(&f.value)) {
      obj[f.key] = *i;
    } else if (const auto* d = std::get_if<double>(&f.value)) {
      obj[f.key] = *d;
    } else if (const auto* b = std::get_if<bool>(&f.value)) {
      obj[f.key] = *b;
    }
  }
  std::lock_guard lock(g_mutex);
  if (summarise && !g_repeats.admit(boost::json::serialize(key), RepeatFilter::Clock::now(),
                                    write_summary_locked)) {
    return;
  }
  output_locked(obj);
}

void set_repeat_window(std::chrono::milliseconds window) {
  std::lock_guard lock(g_mutex);
  g_repeats.flush(RepeatFilter::Clock::now(), write_summary_locked, /*everything=*/true);
  g_repeats.set_window(window);
}

void flush_repeats(bool everything) {
  std::lock_guard lock(g_mutex);
  g_repeats.flush(RepeatFilter::Clock::now(), write_summary_locked, everything);
}

void set_sink_for_testing(std::string* sink) {
  std::lock_guard lock(g_mutex);
  g_test_sink = sink;
}

}  // namespace kq::log
