#pragma once
// Filling core's typed records field by field, by key, without knowing their C++ types: what the
// mapping engine writes records through. Every table here is derived from the same per-type
// field lists as core's JSON reader and writer (json_io.hpp), so a record filled through it is
// exactly the record core would read from the equivalent JSON body, and the three cannot drift
// apart.
//
// A Record holds one typed record of a kind; Member::set / open / drop reach its fields;
// envelope_from_record() validates it and writes its body, as envelope_from_body() does for a
// body given as JSON.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include "gateway/core/dates.hpp"
#include "gateway/core/record.hpp"
#include "gateway/core/record_kind.hpp"

namespace kq::core::setters {

// One value for a leaf, already converted to what the target takes.
struct LeafValue {
  enum class Kind : std::uint8_t { text, number, integer, boolean, date, datetime };
  Kind kind = Kind::text;
  std::string_view text;
  double number = 0;
  std::int64_t integer = 0;
  bool boolean = false;
  const PartialDate* date = nullptr;
  const DateTime* datetime = nullptr;
};

enum class Shape : std::uint8_t {
  leaf,         // text, number, flag, date: set()
  leaf_list,    // a list of texts: set() appends
  object,       // a nested object: open() / drop()
  object_list,  // a list of objects: open() appends an element, drop() removes the last
  tagged,       // a tagged union (Observation.value): set_tagged() makes it of all its fields at once
  json,         // a member only core's JSON reader fills (a provenance's lineage): read()
};

struct Type;

// The fields of a tagged union as they are given, one by one, before the union is made of them
// (Member::set_tagged): which alternative they fill is known only from the tag, and whether
// that alternative got the fields it requires only at the end. Each value is copied in (texts
// are short: a unit, a code), so the values given need not outlive it; the keys must.
class TaggedFields {
 public:
  struct Entry {
    std::string_view key;
    LeafValue::Kind kind = LeafValue::Kind::text;
    double number = 0;
    std::int64_t integer = 0;
    bool boolean = false;
    std::string text;
    std::optional<PartialDate> date;
    std::optional<DateTime> datetime;

    // The value, pointing into this entry.
    LeafValue leaf() const;
  };

  void add(std::string_view key, const LeafValue& value);
  const Entry* find(std::string_view key) const;
  std::span<const Entry> entries() const { return {entries_.data(), used_}; }
  std::size_t size() const { return used_; }
  bool empty() const { return used_ == 0; }
  // Forgets the fields; the entries keep their strings' capacity for the next union.
  void clear() { used_ = 0; }

 private:
  std::vector<Entry> entries_;
  std::size_t used_ = 0;
};

struct Member {
  std::string_view key;
  std::size_t offset = 0;  // of the member in its object
  Shape shape = Shape::leaf;
  const Type* type = nullptr;  // object, object_list: the element's type
  LeafValue::Kind takes = LeafValue::Kind::text;  // leaf, leaf_list: the value it is set from
  // leaf, leaf_list: false with `error` when the value does not fit (an integer out of range).
  bool (*set)(void* member, const LeafValue& value, std::string& error) = nullptr;
  // object: the sub-object, engaged first if it was not; object_list: a new last element.
  void* (*open)(void* member) = nullptr;
  // object: disengaged; object_list: the last element removed.
  void (*drop)(void* member) = nullptr;
  // object_list: whether the last element equals an earlier one.
  bool (*last_repeats)(const void* member) = nullptr;
  // Whether the member holds something the writer would write: text not empty, an optional
  // engaged, a list not empty (plain numbers and flags always do).
  bool (*present)(const void* member) = nullptr;
  // object: the sub-object when engaged, else nullptr.
  const void* (*peek)(const void* member) = nullptr;
  // tagged: the member made of `fields` (the tag and the chosen alternative's fields) with the
  // checks and the words of core's JSON reader for the same fields in a body ("type" missing or
  // unknown, "value" required by the alternative, a key the alternative does not have); errors
  // under `path`.
  void (*set_tagged)(void* member, const TaggedFields& fields, const std::string& path,
                     std::vector<FieldError>& errors) = nullptr;
  // json: read from JSON exactly as core's reader does, errors under `path`.
  void (*read)(void* member, const boost::json::value& json, const std::string& path,
               std::vector<FieldError>& errors) = nullptr;

  void* in(void* object) const { return static_cast<char*>(object) + offset; }
  const void* in(const void* object) const { return static_cast<const char*>(object) + offset; }
};

struct Type {
  std::string_view name;        // the model's struct name
  std::vector<Member> members;  // in the order core reads and writes them

  // The member of that key, or nullptr. A type has at most a few dozen members, and a plan
  // looks each one up once, when it is compiled, so a scan is the right tool.
  const Member* find(std::string_view key) const {
    for (const Member& m : members) {
      if (m.key == key) return &m;
    }
    return nullptr;
  }
};

// The members of a record of `kind`.
const Type& record_type(RecordKind kind);

// One typed record of a kind, value-initialised, filled through its Type's members.
class Record {
 public:
  explicit Record(RecordKind kind);
  Record(Record&& other) noexcept;
  Record& operator=(Record&& other) noexcept;
  Record(const Record&) = delete;
  Record& operator=(const Record&) = delete;
  ~Record();

  RecordKind kind() const { return kind_; }
  void* data() { return data_; }
  const void* data() const { return data_; }

 private:
  RecordKind kind_;
  void* data_ = nullptr;
};

// Validates the record (`context` as for validate()) and, when it is valid, writes its body with
// the memory resource `sp`; the envelope's ids are the record's. With errors the envelope holds
// the ids and no body: a record filled through setters has no raw form worth keeping.
EnvelopeResult envelope_from_record(Record&& record, const ValidationContext& context,
                                    const boost::json::storage_ptr& sp);

}  // namespace kq::core::setters
