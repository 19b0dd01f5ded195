#pragma once
// Structured JSON logs, one object per line on stderr.
//
// Personal data never reaches the log in clear text: fields declared with `pii()` are masked, and
// every string value is also scanned for things that look like resident ID numbers, which are
// masked too (a safety net for values that were not declared).
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace kq::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

// Parses "debug" | "info" | "warn" | "error"; returns false for anything else.
bool parse_level(std::string_view text, Level& out);
void set_level(Level level);
Level level();

struct Field {
  using Value = std::variant<std::string, std::int64_t, double, bool>;
  std::string key;
  Value value;
  bool personal = false;  // names, identity numbers, phone numbers: masked before output

  Field(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  Field(std::string k, std::string_view v) : key(std::move(k)), value(std::string(v)) {}
  Field(std::string k, const char* v) : key(std::move(k)), value(std::string(v)) {}
  Field(std::string k, std::int64_t v) : key(std::move(k)), value(v) {}
  Field(std::string k, int v) : key(std::move(k)), value(std::int64_t{v}) {}
  Field(std::string k, unsigned v) : key(std::move(k)), value(std::int64_t{v}) {}
  Field(std::string k, std::size_t v) : key(std::move(k)), value(static_cast<std::int64_t>(v)) {}
  Field(std::string k, double v) : key(std::move(k)), value(v) {}
  Field(std::string k, bool v) : key(std::move(k)), value(v) {}
};

// A field whose value is personal data (a name, an identity number, a phone number).
Field pii(std::string key, std::string_view value);

// Masks one personal value: keeps enough to recognise a record in support work, never enough
// to identify the person ("张*明", "110105**********2X", "138****5678").
std::string mask_personal(std::string_view value);
// Masks every run that looks like a resident ID number (17 digits + digit/X) inside free text.
std::string mask_identity_numbers(std::string_view text);

void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});
inline void debug(std::string_view e, std::initializer_list<Field> f = {}) { write(Level::debug, e, f); }
inline void info(std::string_view e, std::initializer_list<Field> f = {}) { write(Level::info, e, f); }
inline void warn(std::string_view e, std::initializer_list<Field> f = {}) { write(Level::warn, e, f); }
inline void error(std::string_view e, std::initializer_list<Field> f = {}) { write(Level::error, e, f); }

// Warnings and errors that repeat identically (same level, event and text fields) within `window`
// are written once; a line with `"repeated": N` and `"window_s"` follows per window that saw N
// more (repeat_filter.hpp). 0 writes every line. Default 10 s.
void set_repeat_window(std::chrono::milliseconds window);
// Writes the summaries of windows that have ended (`everything`: of all windows, at shutdown).
// The gateway calls it every second so that the count of a burst is not held back until the
// next line.
void flush_repeats(bool everything = false);

// Tests capture the output; nullptr restores stderr.
void set_sink_for_testing(std::string* sink);

}  // namespace kq::log
