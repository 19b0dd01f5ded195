#include "gateway/core/json_io.hpp"

#include <algorithm>
#include <bit>
#include <limits>

#include "gateway/core/text_util.hpp"

namespace kq::core::json_io {

std::string_view type_name(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

void type_error(const json::value& v, const std::string& path, std::string_view expected, Errors& errors) {
  type_error_got(type_name(v), path, expected, errors);
}

void type_error_got(std::string_view got, const std::string& path, std::string_view expected, Errors& errors) {
  errors.push_back({path, "expected " + std::string(expected) + ", got " + std::string(got), ErrorKind::data_type});
}

FieldError unknown_key_error(const std::string& path, std::string_view key, const std::vector<std::string_view>& known) {
  std::string message = "unknown key '" + std::string(key) + "'";
  const std::string_view best = closest_match(key, known);
  if (!best.empty()) message += " (did you mean '" + std::string(best) + "'?)";
  // A key the record does not have: the document's shape is wrong (not a reference to
  // something unknown, which is what ErrorKind::unknown_key means).
  return {join_path(path, key), std::move(message), ErrorKind::structure};
}

json::value write(const std::string& v, const json::storage_ptr& sp) {
  return json::value(json::string_view(v.data(), v.size()), sp);
}
json::value write(bool v, const json::storage_ptr& sp) { return json::value(v, sp); }
json::value write(int v, const json::storage_ptr& sp) { return json::value(std::int64_t{v}, sp); }
json::value write(std::int64_t v, const json::storage_ptr& sp) { return json::value(v, sp); }
json::value write(double v, const json::storage_ptr& sp) { return json::value(v, sp); }
json::value write(const PartialDate& v, const json::storage_ptr& sp) { return json::value(v.iso(), sp); }
json::value write(const DateTime& v, const json::storage_ptr& sp) {
  char text[DateTime::kIsoMax];
  return json::value(json::string_view(text, v.write_iso(text)), sp);
}

void read(const json::value& v, const std::string& path, std::string& out, Errors& errors) {
  if (!v.is_string()) return type_error(v, path, "a string", errors);
  out = std::string(v.get_string());
}

void read(const json::value& v, const std::string& path, bool& out, Errors& errors) {
  if (!v.is_bool()) return type_error(v, path, "true or false", errors);
  out = v.get_bool();
}

void read(const json::value& v, const std::string& path, std::int64_t& out, Errors& errors) {
  if (v.is_int64()) {
    out = v.get_int64();
  } else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    out = static_cast<std::int64_t>(v.get_uint64());
  } else if (v.is_number()) {
    errors.push_back({path, "expected an integer", ErrorKind::data_type});
  } else {
    type_error(v, path, "an integer", errors);
  }
}

void read(const json::value& v, const std::string& path, int& out, Errors& errors) {
  std::int64_t wide = 0;
  const std::size_t before = errors.size();
  read(v, path, wide, errors);
  if (errors.size() != before) return;
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    errors.push_back({path, "integer is out of range", ErrorKind::data_type});
    return;
  }
  out = static_cast<int>(wide);
}

void read(const json::value& v, const std::string& path, double& out, Errors& errors) {
  if (!v.is_number()) return type_error(v, path, "a number", errors);
  out = v.to_number<double>();
}

void read_optional(const json::value& v, const std::string& path, std::optional<PartialDate>& out,
                   Errors& errors) {
  if (!v.is_string()) return type_error(v, path, "an ISO date string", errors);
  auto parsed = PartialDate::parse_iso(v.get_string());
  if (!parsed) return errors.push_back({path, parsed.error(), ErrorKind::data_type});
  out = *parsed;
}

void read_optional(const json::value& v, const std::string& path, std::optional<DateTime>& out,
                   Errors& errors) {
  if (!v.is_string()) return type_error(v, path, "an ISO 8601 date-time string", errors);
  auto parsed = DateTime::parse_iso(v.get_string());
  if (!parsed) return errors.push_back({path, parsed.error(), ErrorKind::data_type});
  out = *parsed;
}

bool same(const std::string& v, const json::value& j) { return j.is_string() && j.get_string() == v; }
bool same(bool v, const json::value& j) { return j.is_bool() && j.get_bool() == v; }
bool same(int v, const json::value& j) { return j.is_int64() && j.get_int64() == v; }
bool same(std::int64_t v, const json::value& j) { return j.is_int64() && j.get_int64() == v; }
// Bit for bit: 0.0 and -0.0 compare equal but are written differently.
bool same(double v, const json::value& j) {
  return j.is_double() && std::bit_cast<std::uint64_t>(j.get_double()) == std::bit_cast<std::uint64_t>(v);
}
bool same(const PartialDate& v, const json::value& j) { return j.is_string() && j.get_string() == v.iso(); }
bool same(const DateTime& v, const json::value& j) {
  if (!j.is_string()) return false;
  char text[DateTime::kIsoMax];
  return j.get_string() == std::string_view(text, v.write_iso(text));
}

bool ObjectReader::read_plain(const json::value& v, std::optional<PartialDate>& out) {
  if (!v.is_string()) return false;
  auto parsed = PartialDate::parse_iso(v.get_string());
  if (!parsed) return false;
  out = *parsed;
  return true;
}

bool ObjectReader::read_plain(const json::value& v, std::optional<DateTime>& out) {
  if (!v.is_string()) return false;
  auto parsed = DateTime::parse_iso(v.get_string());
  if (!parsed) return false;
  out = *parsed;
  return true;
}

namespace {

// One of 64 bits for a key: from its length and its last character, which between them tell
// apart most keys of one object ("code" and "unit" and "value" differ in both).
std::uint64_t key_bit(std::string_view key) {
  const unsigned last = key.empty() ? 0U : static_cast<unsigned char>(key.back());
  return std::uint64_t{1} << ((key.size() * 7U + last) & 63U);
}

}  // namespace

ObjectReader::ObjectReader(const json::value& v, std::string path, Errors& errors)
    : path_(std::move(path)), errors_(errors) {
  if (v.is_object()) {
    object_ = &v.get_object();
    for (const auto& entry : *object_) key_bits_ |= key_bit(entry.key());
  } else {
    type_error(v, path_, "an object", errors_);
  }
}

ObjectReader::~ObjectReader() {
  // Every key of the object was asked for (the usual case): nothing can be unknown.
  if (!object_ || present_ == object_->size()) return;
  const auto known = known_.begin();
  const auto known_end = known + static_cast<std::ptrdiff_t>(known_count_);
  for (const auto& entry : *object_) {
    const std::string_view key = entry.key();
    if (std::find(known, known_end, key) != known_end) continue;
    if (std::find(known_more_.begin(), known_more_.end(), key) != known_more_.end()) continue;
    std::vector<std::string_view> candidates(known, known_end);
    candidates.insert(candidates.end(), known_more_.begin(), known_more_.end());
    errors_.push_back(unknown_key_error(path_, key, candidates));
  }
}

const json::value* ObjectReader::find(std::string_view key) {
  if (known_count_ < known_.size()) {
    known_[known_count_++] = key;
  } else {
    known_more_.push_back(key);
  }
  if (!object_ || (key_bits_ & key_bit(key)) == 0) return nullptr;
  auto at = object_->begin() + static_cast<std::ptrdiff_t>(next_);
  if (next_ >= object_->size() || at->key() != key) {
    at = object_->find(key);
    if (at == object_->end()) return nullptr;
  }
  next_ = static_cast<std::size_t>(at - object_->begin()) + 1;
  ++present_;
  return at->value().is_null() ? nullptr : &at->value();
}

}  // namespace kq::core::json_io
