#pragma once
// Internal to kq_core: reads the fields of a tagged union given one by one
// (setters::TaggedFields) through the same interface as ObjectReader reads them from a JSON
// object, so that one function makes Observation.value of either (json_clinical.cpp) and the
// mapping engine's values meet the checks and the words a body's would.
//
// Each field is judged as the JSON core's writer would give for it: a text is a JSON string,
// a number a double, an integer an int64, a flag a boolean, a date or date-time its ISO text.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/json_io.hpp"

namespace kq::core::json_io {

class TaggedReader {
 public:
  TaggedReader(const setters::TaggedFields& fields, const std::string& path, Errors& errors)
      : fields_(fields), path_(path), errors_(errors) {}
  TaggedReader(const TaggedReader&) = delete;
  TaggedReader& operator=(const TaggedReader&) = delete;
  // Reports the fields no one asked for, as ~ObjectReader() reports unknown keys.
  ~TaggedReader();

  explicit operator bool() const { return true; }  // fields are always an object
  void abandon() { abandoned_ = true; }
  const std::string& path() const { return path_; }

  // Absent: the member keeps its value.
  template <class T>
  void field(std::string_view key, T& out) {
    if (const setters::TaggedFields::Entry* entry = find(key)) read_leaf(*entry, key, out);
  }
  template <class T>
  void field(std::string_view key, std::optional<T>& out) {
    if (const setters::TaggedFields::Entry* entry = find(key)) {
      T item{};  // engaged even with an error, as read_optional() leaves it
      read_leaf(*entry, key, item);
      out = std::move(item);
    }
  }
  // Absent is an error.
  template <class T>
  void required(std::string_view key, T& out) {
    if (const setters::TaggedFields::Entry* entry = find(key)) {
      read_leaf(*entry, key, out);
    } else {
      errors_.push_back({join_path(path_, key), "is required", ErrorKind::required});
    }
  }

 private:
  const setters::TaggedFields::Entry* find(std::string_view key);
  // As read(json::value, path, T&) reads the JSON form of the entry; the path is spelled out
  // only for an error.
  void read_leaf(const setters::TaggedFields::Entry& entry, std::string_view key, std::string& out);
  void read_leaf(const setters::TaggedFields::Entry& entry, std::string_view key, bool& out);
  void read_leaf(const setters::TaggedFields::Entry& entry, std::string_view key, std::int64_t& out);
  void read_leaf(const setters::TaggedFields::Entry& entry, std::string_view key, double& out);

  const setters::TaggedFields& fields_;
  const std::string& path_;
  Errors& errors_;
  // The keys asked for, for the unknown-key check: a union asks for a handful, which live here
  // rather than on the heap; more spill into known_more_.
  std::array<std::string_view, 8> known_{};
  std::size_t known_count_ = 0;
  std::vector<std::string_view> known_more_;
  std::size_t present_ = 0;  // keys asked for that were given
  bool abandoned_ = false;
};

}  // namespace kq::core::json_io
