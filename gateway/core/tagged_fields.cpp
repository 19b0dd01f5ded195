// The fields of a tagged union given one by one (record_setters.hpp, TaggedFields) and their
// reader (tagged_reader.hpp), which judges them as core's JSON reader judges a body's.
#include <algorithm>

#include "gateway/core/tagged_reader.hpp"

namespace kq::core {

namespace setters {

LeafValue TaggedFields::Entry::leaf() const {
  LeafValue v;
  v.kind = kind;
  v.text = text;
  v.number = number;
  v.integer = integer;
  v.boolean = boolean;
  v.date = date ? &*date : nullptr;
  v.datetime = datetime ? &*datetime : nullptr;
  return v;
}

void TaggedFields::add(std::string_view key, const LeafValue& value) {
  if (used_ == entries_.size()) entries_.emplace_back();
  Entry& entry = entries_[used_++];
  entry.key = key;
  entry.kind = value.kind;
  entry.number = value.number;
  entry.integer = value.integer;
  entry.boolean = value.boolean;
  entry.text.assign(value.text);
  entry.date.reset();
  entry.datetime.reset();
  if (value.date != nullptr) entry.date = *value.date;
  if (value.datetime != nullptr) entry.datetime = *value.datetime;
}

const TaggedFields::Entry* TaggedFields::find(std::string_view key) const {
  for (const Entry& entry : entries()) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

}  // namespace setters

namespace json_io {

namespace {

using Kind = setters::LeafValue::Kind;

// The JSON type core's writer gives a value of this kind, in type_name()'s words.
std::string_view json_type_of(Kind kind) {
  switch (kind) {
    case Kind::number:
    case Kind::integer: return "a number";
    case Kind::boolean: return "a boolean";
    case Kind::text:
    case Kind::date:
    case Kind::datetime: return "a string";
  }
  return "a value";
}

}  // namespace

TaggedReader::~TaggedReader() {
  if (abandoned_ || present_ == fields_.size()) return;  // every field was asked for
  std::vector<std::string_view> known(known_.begin(), known_.begin() + static_cast<std::ptrdiff_t>(known_count_));
  known.insert(known.end(), known_more_.begin(), known_more_.end());
  for (const setters::TaggedFields::Entry& entry : fields_.entries()) {
    if (std::find(known.begin(), known.end(), entry.key) != known.end()) continue;
    errors_.push_back(unknown_key_error(path_, entry.key, known));
  }
}

const setters::TaggedFields::Entry* TaggedReader::find(std::string_view key) {
  if (known_count_ < known_.size()) {
    known_[known_count_++] = key;
  } else {
    known_more_.push_back(key);
  }
  const setters::TaggedFields::Entry* entry = fields_.find(key);
  if (entry != nullptr) ++present_;
  return entry;
}

void TaggedReader::read_leaf(const setters::TaggedFields::Entry& entry, std::string_view key, std::string& out) {
  switch (entry.kind) {
    case Kind::text: out = entry.text; return;
    case Kind::date: out = entry.date->iso(); return;
    case Kind::datetime: out = entry.datetime->iso(); return;
    default: type_error_got(json_type_of(entry.kind), join_path(path_, key), "a string", errors_);
  }
}

void TaggedReader::read_leaf(const setters::TaggedFields::Entry& entry, std::string_view key, bool& out) {
  if (entry.kind == Kind::boolean) {
    out = entry.boolean;
  } else {
    type_error_got(json_type_of(entry.kind), join_path(path_, key), "true or false", errors_);
  }
}

void TaggedReader::read_leaf(const setters::TaggedFields::Entry& entry, std::string_view key, std::int64_t& out) {
  if (entry.kind == Kind::integer) {
    out = entry.integer;
  } else if (entry.kind == Kind::number) {  // a double in JSON: a number, but not an integer
    errors_.push_back({join_path(path_, key), "expected an integer", ErrorKind::data_type});
  } else {
    type_error_got(json_type_of(entry.kind), join_path(path_, key), "an integer", errors_);
  }
}

void TaggedReader::read_leaf(const setters::TaggedFields::Entry& entry, std::string_view key, double& out) {
  if (entry.kind == Kind::number) {
    out = entry.number;
  } else if (entry.kind == Kind::integer) {
    out = static_cast<double>(entry.integer);
  } else {
    type_error_got(json_type_of(entry.kind), join_path(path_, key), "a number", errors_);
  }
}

}  // namespace json_io

}  // namespace kq::core
