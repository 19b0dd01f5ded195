#pragma once
// Internal to kq_core: the reading and writing helpers behind json_codec.hpp.
//
// Every type has a `write(const T&) -> value` and a `read(value, path, T&, errors)` overload in
// namespace json_io. All of them are declared here, before the templates that call them,
// because the calls from the templates are not found by argument-dependent lookup (the model
// types live in kq::core, the helpers in kq::core::json_io).
#include <array>
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
#include "gateway/core/record_setters.hpp"
#include "gateway/core/text_util.hpp"

namespace kq::core::json_io {

using Errors = std::vector<FieldError>;
namespace json = boost::json;

std::string_view type_name(const json::value& v);                    // "a string", "an object", …
void type_error(const json::value& v, const std::string& path, std::string_view expected, Errors& errors);
// The same for a value whose JSON type is named `got` ("a number").
void type_error_got(std::string_view got, const std::string& path, std::string_view expected, Errors& errors);
// A key of an object that no field of its type asked for; `known`, the keys asked for, give the
// "did you mean".
FieldError unknown_key_error(const std::string& path, std::string_view key, const std::vector<std::string_view>& known);

// Leaves. Every write() builds its JSON with the memory resource `sp` (the default: the heap),
// so that a whole record can be written into one arena without a copy between levels.
json::value write(const std::string& v, const json::storage_ptr& sp = {});
json::value write(bool v, const json::storage_ptr& sp = {});
json::value write(int v, const json::storage_ptr& sp = {});
json::value write(std::int64_t v, const json::storage_ptr& sp = {});
json::value write(double v, const json::storage_ptr& sp = {});
json::value write(const PartialDate& v, const json::storage_ptr& sp = {});
json::value write(const DateTime& v, const json::storage_ptr& sp = {});
void read(const json::value& v, const std::string& path, std::string& out, Errors& errors);
void read(const json::value& v, const std::string& path, bool& out, Errors& errors);
void read(const json::value& v, const std::string& path, int& out, Errors& errors);
void read(const json::value& v, const std::string& path, std::int64_t& out, Errors& errors);
void read(const json::value& v, const std::string& path, double& out, Errors& errors);
// Dates have no "empty" value, so they are read straight into an optional.
void read_optional(const json::value& v, const std::string& path, std::optional<PartialDate>& out, Errors& errors);
void read_optional(const json::value& v, const std::string& path, std::optional<DateTime>& out, Errors& errors);
// same(v, json): whether `json` is exactly what write(v) gives (kind, content and, for objects,
// key order), so that a caller holding such JSON can keep it instead of writing v again.
bool same(const std::string& v, const json::value& j);
bool same(bool v, const json::value& j);
bool same(int v, const json::value& j);
bool same(std::int64_t v, const json::value& j);
bool same(double v, const json::value& j);
bool same(const PartialDate& v, const json::value& j);
bool same(const DateTime& v, const json::value& j);

// Nested structs and the records (defined in the json_*.cpp file of their group).
#define KQ_JSON_IO_DECLARE(Type)                                                        \
  json::value write(const Type& v, const json::storage_ptr& sp = {});                   \
  void read(const json::value& v, const std::string& path, Type& out, Errors& errors); \
  bool same(const Type& v, const json::value& j);
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
KQ_JSON_IO_DECLARE(AlertValue)
KQ_JSON_IO_DECLARE(Alert)
KQ_JSON_IO_DECLARE(ConsentGrantor)
KQ_JSON_IO_DECLARE(Consent)
KQ_JSON_IO_DECLARE(FieldLineage)
KQ_JSON_IO_DECLARE(Provenance)
KQ_JSON_IO_DECLARE(AuditAgent)
KQ_JSON_IO_DECLARE(AuditEvent)
#undef KQ_JSON_IO_DECLARE

// Observation.value made of fields given one by one (setters::TaggedFields, what the mapping
// engine fills), by the same function as read() and so with its checks and words.
void set(const setters::TaggedFields& fields, const std::string& path, ObservationValue& out, Errors& errors);

// The setter table of each nested struct and record (record_setters.hpp). Not for
// ObservationValue, a tagged union, nor FieldLineage, whose list has a JSON form of its own.
#define KQ_SETTER_TYPE_DECLARE(Model) const setters::Type& setter_type(const Model*);
KQ_SETTER_TYPE_DECLARE(Coding)
KQ_SETTER_TYPE_DECLARE(Quantity)
KQ_SETTER_TYPE_DECLARE(Identifier)
KQ_SETTER_TYPE_DECLARE(HumanName)
KQ_SETTER_TYPE_DECLARE(DatePeriod)
KQ_SETTER_TYPE_DECLARE(TimePeriod)
KQ_SETTER_TYPE_DECLARE(Address)
KQ_SETTER_TYPE_DECLARE(Telecom)
KQ_SETTER_TYPE_DECLARE(Contact)
KQ_SETTER_TYPE_DECLARE(Person)
KQ_SETTER_TYPE_DECLARE(Organization)
KQ_SETTER_TYPE_DECLARE(Enrollment)
KQ_SETTER_TYPE_DECLARE(Encounter)
KQ_SETTER_TYPE_DECLARE(Interpretation)
KQ_SETTER_TYPE_DECLARE(Observation)
KQ_SETTER_TYPE_DECLARE(Diagnosis)
KQ_SETTER_TYPE_DECLARE(Procedure)
KQ_SETTER_TYPE_DECLARE(CostLine)
KQ_SETTER_TYPE_DECLARE(InpatientCosts)
KQ_SETTER_TYPE_DECLARE(InpatientSummary)
KQ_SETTER_TYPE_DECLARE(FitnessItem)
KQ_SETTER_TYPE_DECLARE(FitnessTest)
KQ_SETTER_TYPE_DECLARE(EyeExam)
KQ_SETTER_TYPE_DECLARE(VisionScreening)
KQ_SETTER_TYPE_DECLARE(ScaleScore)
KQ_SETTER_TYPE_DECLARE(RiskFlag)
KQ_SETTER_TYPE_DECLARE(MentalHealthScreening)
KQ_SETTER_TYPE_DECLARE(AlertValue)
KQ_SETTER_TYPE_DECLARE(Alert)
KQ_SETTER_TYPE_DECLARE(ConsentGrantor)
KQ_SETTER_TYPE_DECLARE(Consent)
KQ_SETTER_TYPE_DECLARE(Provenance)
KQ_SETTER_TYPE_DECLARE(AuditAgent)
KQ_SETTER_TYPE_DECLARE(AuditEvent)
#undef KQ_SETTER_TYPE_DECLARE

// A provenance record's field lineage is one object from target path to source place,
// {"target_ids[0].name.text": "PID-5.2", ...}, rather than an array of pairs: it is most of the
// record, and a record is written with every message. A target path appears once: write()
// joins the places of a path given twice ("PV1-3.1, PV1-3.2"). read() keeps the object's order
// and also accepts the older array form.
json::value write(const std::vector<FieldLineage>& lineage, const json::storage_ptr& sp = {});
void read(const json::value& v, const std::string& path, std::vector<FieldLineage>& out, Errors& errors);
bool same(const std::vector<FieldLineage>& lineage, const json::value& j);

template <class T>
json::value write(const std::vector<T>& items, const json::storage_ptr& sp = {}) {
  json::array out(sp);
  out.reserve(items.size());
  for (const T& item : items) out.emplace_back(write(item, sp));
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
bool same(const std::vector<T>& items, const json::value& j) {
  const json::array* array = j.if_array();
  if (!array || array->size() != items.size()) return false;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!same(items[i], (*array)[i])) return false;
  }
  return true;
}

template <class T>
void read_optional(const json::value& v, const std::string& path, std::optional<T>& out, Errors& errors) {
  T item{};
  read(v, path, item, errors);
  out = std::move(item);
}

// Counts the fields FieldWriter will write, so that it can size the object once.
class FieldCounter {
 public:
  void field(std::string_view, const std::string& v) { count_ += v.empty() ? 0 : 1; }
  template <class T>
  void field(std::string_view, const std::optional<T>& v) {
    count_ += v ? 1 : 0;
  }
  template <class T>
  void field(std::string_view, const std::vector<T>& v) {
    count_ += v.empty() ? 0 : 1;
  }
  template <class T>
  void field(std::string_view, const T&) {
    ++count_;
  }
  template <class T>
  void required(std::string_view, const T&) {
    ++count_;
  }
  std::size_t count() const { return count_; }

 private:
  std::size_t count_ = 0;
};

// Writes the fields of one object, leaving out what is absent or empty. It has the same
// field()/required() interface as ObjectReader, so that one field list per type (see
// KQ_JSON_IO_DEFINE) drives both directions and they cannot drift apart. Every value is built
// with the object's own memory resource and moved in; the keys of a field list are distinct.
class FieldWriter {
 public:
  explicit FieldWriter(const json::storage_ptr& sp = {}, std::size_t fields = 0) : out_(sp) {
    if (fields > 0) out_.reserve(fields);
  }
  void field(std::string_view key, const std::string& v) {
    if (!v.empty()) put(key, write(v, out_.storage()));
  }
  template <class T>
  void field(std::string_view key, const std::optional<T>& v) {
    if (v) put(key, write(*v, out_.storage()));
  }
  template <class T>
  void field(std::string_view key, const std::vector<T>& v) {
    if (!v.empty()) put(key, write(v, out_.storage()));
  }
  template <class T>
  void field(std::string_view key, const T& v) {
    put(key, write(v, out_.storage()));
  }
  template <class T>
  void required(std::string_view key, const T& v) {
    put(key, write(v, out_.storage()));
  }
  json::object take() { return std::move(out_); }

 private:
  void put(std::string_view key, json::value&& v) { out_.emplace(key, std::move(v)); }
  json::object out_;
};

// Compares an object with what FieldWriter would write for the same record, field by field in
// the same order, without building anything: the same interface again, so it cannot drift
// from the writer either.
class FieldComparer {
 public:
  explicit FieldComparer(const json::object& object) : object_(object), next_(object.begin()) {}

  void field(std::string_view key, const std::string& v) {
    if (!v.empty()) expect(key, v);
  }
  template <class T>
  void field(std::string_view key, const std::optional<T>& v) {
    if (v) expect(key, *v);
  }
  template <class T>
  void field(std::string_view key, const std::vector<T>& v) {
    if (!v.empty()) expect(key, v);
  }
  template <class T>
  void field(std::string_view key, const T& v) {
    expect(key, v);
  }
  template <class T>
  void required(std::string_view key, const T& v) {
    expect(key, v);
  }
  // Every key matched, in order, and nothing is left over.
  bool same() const { return same_ && next_ == object_.end(); }

 private:
  template <class T>
  void expect(std::string_view key, const T& v) {
    if (!same_) return;
    if (next_ == object_.end() || next_->key() != key || !json_io::same(v, next_->value())) {
      same_ = false;
      return;
    }
    ++next_;
  }

  const json::object& object_;
  json::object::const_iterator next_;
  bool same_ = true;
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

  // Absent or null: the field keeps its value. The field's path is only spelled out when
  // there is something to report: most values read without a problem.
  template <class T>
  void field(std::string_view key, T& out) {
    if (const json::value* v = find(key)) {
      if (!read_plain(*v, out)) read(*v, join_path(path_, key), out, errors_);
    }
  }
  template <class T>
  void field(std::string_view key, std::optional<T>& out) {
    if (const json::value* v = find(key)) {
      if (!read_plain(*v, out)) read_optional(*v, join_path(path_, key), out, errors_);
    }
  }
  // Absent or null is an error: for numbers, where a silent default would be a wrong value.
  template <class T>
  void required(std::string_view key, T& out) {
    if (const json::value* v = find(key)) {
      read(*v, join_path(path_, key), out, errors_);
    } else {
      errors_.push_back({join_path(path_, key), "is required", ErrorKind::required});
    }
  }

 private:
  const json::value* find(std::string_view key);

  // A leaf of the expected JSON type, read without a path; false leaves it to read(), which
  // reports the problem with its path.
  static bool read_plain(const json::value& v, std::string& out) {
    if (!v.is_string()) return false;
    out.assign(v.get_string().data(), v.get_string().size());
    return true;
  }
  static bool read_plain(const json::value& v, std::optional<std::string>& out) {
    if (!v.is_string()) return false;
    out.emplace(v.get_string().data(), v.get_string().size());
    return true;
  }
  static bool read_plain(const json::value& v, bool& out) {
    if (!v.is_bool()) return false;
    out = v.get_bool();
    return true;
  }
  static bool read_plain(const json::value& v, std::optional<bool>& out) {
    if (!v.is_bool()) return false;
    out = v.get_bool();
    return true;
  }
  static bool read_plain(const json::value& v, double& out) {
    if (!v.is_double()) return false;
    out = v.get_double();
    return true;
  }
  static bool read_plain(const json::value& v, std::optional<double>& out) {
    if (!v.is_double()) return false;
    out = v.get_double();
    return true;
  }
  static bool read_plain(const json::value& v, std::optional<PartialDate>& out);
  static bool read_plain(const json::value& v, std::optional<DateTime>& out);
  template <class T>
  static bool read_plain(const json::value&, T&) {
    return false;
  }

  const json::object* object_ = nullptr;
  std::string path_;
  Errors& errors_;
  // The keys asked for, for the unknown-key check: records have up to ~30 fields, so they
  // live here rather than on the heap; more spill into known_more_.
  std::array<std::string_view, 32> known_{};
  std::size_t known_count_ = 0;
  std::vector<std::string_view> known_more_;
  std::size_t present_ = 0;  // keys asked for that the object has (each is asked for once)
  // Finding a key without scanning the object. Bodies are written in the order their fields
  // are listed (core's writer, the mapping engine), which is the order they are asked for, so
  // the entry after the last one found is usually the one; and most keys asked for are
  // absent, which a one-bit-per-key summary of the keys present mostly tells at once.
  std::size_t next_ = 0;
  std::uint64_t key_bits_ = 0;
};

// `Of<Coding> auto& s` matches a Coding and a const Coding: the field lists are written once
// for reading (non-const) and writing (const).
template <class S, class T>
concept Of = std::same_as<std::remove_const_t<S>, T>;

}  // namespace kq::core::json_io

#include "gateway/core/record_setters_binder.hpp"

// Defines write() and read() for Type from an overload `fields(io, Of<Type> auto& s)` that lists
// its fields. Used inside namespace kq::core::json_io.
#define KQ_JSON_IO_DEFINE(Model)                                                        \
  json::value write(const Model& v, const json::storage_ptr& sp) {                      \
    FieldCounter counter;                                                              \
    fields(counter, v);                                                                \
    FieldWriter writer(sp, counter.count());                                           \
    fields(writer, v);                                                                 \
    return writer.take();                                                              \
  }                                                                                    \
  void read(const json::value& v, const std::string& path, Model& out, Errors& errors) { \
    ObjectReader reader(v, path, errors);                                              \
    if (reader) fields(reader, out);                                                   \
  }                                                                                    \
  bool same(const Model& v, const json::value& j) {                                     \
    const json::object* object = j.if_object();                                        \
    if (!object) return false;                                                         \
    FieldComparer comparer(*object);                                                   \
    fields(comparer, v);                                                               \
    return comparer.same();                                                            \
  }                                                                                    \
  const setters::Type& setter_type(const Model*) {                                      \
    static const setters::Type type = [] {                                             \
      setters::Type t;                                                                 \
      t.name = #Model;                                                                  \
      Model prototype{}; /* only its members' addresses are taken */                    \
      Binder<Model> binder(prototype, t.members);                                       \
      fields(binder, prototype);                                                       \
      return t;                                                                        \
    }();                                                                               \
    return type;                                                                       \
  }
