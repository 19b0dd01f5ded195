#pragma once
// Internal to kq_core: the reading and writing helpers behind json_codec.hpp.
//
// Every type has a `write(const T&) -> value` and a `read(value, path, T&, errors)` overload in
// namespace json_io. All of them are declared here, before the templates that call them,
// because the calls from the templates are not found by argument-dependent lookup (the model
// types live in kq::core, the helpers in kq::core::json_io).
#include <concepts>
#include <cstdint>
#include <type_traits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "gateway/core/model.hpp"
#include "gateway/core/record.hpp"
#include "gateway/core/text_util.hpp"

namespace kq::core::json_io {

using Errors = std::vector<FieldError>;
namespace json = boost::json;

std::string_view type_name(const json::value& v);                    // "string", "object", …
void type_error(const json::value& v, const std::string& path, std::string_view expected, Errors& errors);

// Leaves.
json::value write(const std::string& v);
json::value write(bool v);
json::value write(int v);
json::value write(std::int64_t v);
json::value write(double v);
json::value write(const PartialDate& v);
json::value write(const DateTime& v);
void read(const json::value& v, const std::string& path, std::string& out, Errors& errors);
void read(const json::value& v, const std::string& path, bool& out, Errors& errors);
void read(const json::value& v, const std::string& path, int& out, Errors& errors);
void read(const json::value& v, const std::string& path, std::int64_t& out, Errors& errors);
void read(const json::value& v, const std::string& path, double& out, Errors& errors);
// Dates have no "empty" value, so they are read straight into an optional.
void read_optional(const json::value& v, const std::string& path, std::optional<PartialDate>& out, Errors& errors);
void read_optional(const json::value& v, const std::string& path, std::optional<DateTime>& out, Errors& errors);

// Nested structs and the records (defined in the json_*.cpp file of their group).
#define KQ_JSON_IO_DECLARE(Type)   \
  json::value write(const Type& v); \
  void read(const json::value& v, const std::string& path, Type& out, Errors& errors);
KQ_JSON_IO_DECLARE(Coding)
KQ_JSON_IO_DECLARE(Quantity)
KQ_JSON_IO_DECLARE(Identifier)
KQ_JSON_IO_DECLARE(HumanName)
KQ_JSON_IO_DECLARE(DatePeriod)
KQ_JSON_IO_DECLARE(TimePeriod)
KQ_JSON_IO_DECLARE(Address)
KQ_JSON_IO_DECLARE(Telecom)
KQ_JSON_IO_DECLARE(Contact)
KQ_JSON_IO_DECLARE(Person)
KQ_JSON_IO_DECLARE(Organization)
KQ_JSON_IO_DECLARE(Enrollment)
KQ_JSON_IO_DECLARE(Encounter)
KQ_JSON_IO_DECLARE(ObservationValue)
KQ_JSON_IO_DECLARE(Interpretation)
KQ_JSON_IO_DECLARE(Observation)
KQ_JSON_IO_DECLARE(Diagnosis)
KQ_JSON_IO_DECLARE(Procedure)
KQ_JSON_IO_DECLARE(CostLine)
KQ_JSON_IO_DECLARE(InpatientCosts)
KQ_JSON_IO_DECLARE(InpatientSummary)
KQ_JSON_IO_DECLARE(FitnessItem)
KQ_JSON_IO_DECLARE(FitnessTest)
KQ_JSON_IO_DECLARE(EyeExam)
KQ_JSON_IO_DECLARE(VisionScreening)
KQ_JSON_IO_DECLARE(ScaleScore)
KQ_JSON_IO_DECLARE(RiskFlag)
KQ_JSON_IO_DECLARE(MentalHealthScreening)
KQ_JSON_IO_DECLARE(ConsentGrantor)
KQ_JSON_IO_DECLARE(Consent)
KQ_JSON_IO_DECLARE(FieldLineage)
KQ_JSON_IO_DECLARE(Provenance)
KQ_JSON_IO_DECLARE(AuditAgent)
KQ_JSON_IO_DECLARE(AuditEvent)
#undef KQ_JSON_IO_DECLARE

template <class T>
json::value write(const std::vector<T>& items) {
  json::array out;
  out.reserve(items.size());
  for (const T& item : items) out.push_back(write(item));
  return out;
}

template <class T>
void read(const json::value& v, const std::string& path, std::vector<T>& out, Errors& errors) {
  if (!v.is_array()) return type_error(v, path, "an array", errors);
  out.clear();
  const json::array& items = v.get_array();
  out.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    T item{};
    read(items[i], index_path(path, i), item, errors);
    out.push_back(std::move(item));
  }
}

template <class T>
void read_optional(const json::value& v, const std::string& path, std::optional<T>& out, Errors& errors) {
  T item{};
  read(v, path, item, errors);
  out = std::move(item);
}

// Writes the fields of one object, leaving out what is absent or empty. It has the same
// field()/required() interface as ObjectReader, so that one field list per type (see
// KQ_JSON_IO_DEFINE) drives both directions and they cannot drift apart.
class FieldWriter {
 public:
  void field(std::string_view key, const std::string& v) {
    if (!v.empty()) out_[key] = v;
  }
  template <class T>
  void field(std::string_view key, const std::optional<T>& v) {
    if (v) out_[key] = write(*v);
  }
  template <class T>
  void field(std::string_view key, const std::vector<T>& v) {
    if (!v.empty()) out_[key] = write(v);
  }
  template <class T>
  void field(std::string_view key, const T& v) {
    out_[key] = write(v);
  }
  template <class T>
  void required(std::string_view key, const T& v) {
    out_[key] = write(v);
  }
  json::object take() { return std::move(out_); }

 private:
  json::object out_;
};

// Reads the fields of one object and reports, at the end, every key that no field asked for.
class ObjectReader {
 public:
  // Reports a type error (and reads nothing) when v is not an object.
  ObjectReader(const json::value& v, std::string path, Errors& errors);
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;
  // Reports unknown keys. In the destructor so that no reader can forget to: an unreported
  // key is a field the sender meant and the gateway dropped.
  ~ObjectReader();

  explicit operator bool() const { return object_ != nullptr; }
  // Stops reading this object without reporting its other keys: for when an earlier error
  // (an unknown variant type) makes every other key look unknown.
  void abandon() { object_ = nullptr; }
  const std::string& path() const { return path_; }

  // Absent or null: the field keeps its value.
  template <class T>
  void field(std::string_view key, T& out) {
    if (const json::value* v = find(key)) read(*v, join_path(path_, key), out, errors_);
  }
  template <class T>
  void field(std::string_view key, std::optional<T>& out) {
    if (const json::value* v = find(key)) read_optional(*v, join_path(path_, key), out, errors_);
  }
  // Absent or null is an error: for numbers, where a silent default would be a wrong value.
  template <class T>
  void required(std::string_view key, T& out) {
    if (const json::value* v = find(key)) {
      read(*v, join_path(path_, key), out, errors_);
    } else {
      errors_.push_back({join_path(path_, key), "is required"});
    }
  }

 private:
  const json::value* find(std::string_view key);

  const json::object* object_ = nullptr;
  std::string path_;
  Errors& errors_;
  std::vector<std::string_view> known_;
};

// `Of<Coding> auto& s` matches a Coding and a const Coding: the field lists are written once
// for reading (non-const) and writing (const).
template <class S, class T>
concept Of = std::same_as<std::remove_const_t<S>, T>;

}  // namespace kq::core::json_io

// Defines write() and read() for Type from an overload `fields(io, Of<Type> auto& s)` that lists
// its fields. Used inside namespace kq::core::json_io.
#define KQ_JSON_IO_DEFINE(Type)                                                        \
  json::value write(const Type& v) {                                                   \
    FieldWriter writer;                                                                \
    fields(writer, v);                                                                 \
    return writer.take();                                                              \
  }                                                                                    \
  void read(const json::value& v, const std::string& path, Type& out, Errors& errors) { \
    ObjectReader reader(v, path, errors);                                              \
    if (reader) fields(reader, out);                                                   \
  }
