#include "gateway/core/record.hpp"

#include <memory>

#include <boost/json.hpp>

#include "gateway/core/json_codec.hpp"
#include "gateway/core/json_io.hpp"
#include "gateway/core/record_validation.hpp"
#include "gateway/core/text_util.hpp"
#include "gateway/core/uuid.hpp"

namespace kq::core {

namespace {

namespace json = boost::json;

template <class T>
struct Tag {
  using type = T;
};

// Calls f(Tag<T>{}) with the record type of `kind`: the one place that maps kinds to types.
template <class F>
decltype(auto) with_record_type(RecordKind kind, F&& f) {
  switch (kind) {
    case RecordKind::person: return f(Tag<Person>{});
    case RecordKind::organization: return f(Tag<Organization>{});
    case RecordKind::enrollment: return f(Tag<Enrollment>{});
    case RecordKind::encounter: return f(Tag<Encounter>{});
    case RecordKind::observation: return f(Tag<Observation>{});
    case RecordKind::fitness_test: return f(Tag<FitnessTest>{});
    case RecordKind::vision_screening: return f(Tag<VisionScreening>{});
    case RecordKind::mental_health_screening: return f(Tag<MentalHealthScreening>{});
    case RecordKind::diagnosis: return f(Tag<Diagnosis>{});
    case RecordKind::procedure: return f(Tag<Procedure>{});
    case RecordKind::inpatient_summary: return f(Tag<InpatientSummary>{});
    case RecordKind::consent: return f(Tag<Consent>{});
    case RecordKind::provenance: return f(Tag<Provenance>{});
    case RecordKind::audit_event: return f(Tag<AuditEvent>{});
    case RecordKind::alert: return f(Tag<Alert>{});
  }
  return f(Tag<Person>{});  // unreachable: every enumerator is handled above
}

struct Ids {
  std::string id;
  std::string person_id;
  std::string org_id;
};

template <class T>
Ids ids_of(const T& record) {
  return {record.id, record.person_id, record.org_id};
}
// A Person is its own person, an Organization its own organisation (see record.hpp).
Ids ids_of(const Person& record) { return {record.id, record.id, {}}; }
Ids ids_of(const Organization& record) { return {record.id, {}, record.id}; }

// Best effort for a body that did not parse: the store still wants to file the dead letter.
Ids raw_ids(RecordKind kind, const json::object& body) {
  const auto text = [&body](std::string_view key) {
    const json::value* v = body.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  Ids ids{text("id"), text("person_id"), text("org_id")};
  if (kind == RecordKind::person) ids = {ids.id, ids.id, {}};
  if (kind == RecordKind::organization) ids = {ids.id, {}, ids.id};
  return ids;
}

void set_ids(RecordEnvelope& rec, Ids ids) {
  rec.id = std::move(ids.id);
  rec.person_id = std::move(ids.person_id);
  rec.org_id = std::move(ids.org_id);
}

std::string unknown_kind(std::string_view name) {
  std::vector<std::string_view> names;
  for (RecordKind kind : kAllRecordKinds) names.push_back(kind_name(kind));
  std::string message = "'" + std::string(name) + "' is not a record kind";
  const std::string_view best = closest_match(name, names);
  if (!best.empty()) message += " (did you mean '" + std::string(best) + "'?)";
  return message;
}

void append(std::vector<FieldError>& to, std::vector<FieldError> from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

void compare_id(std::string_view field, const std::string& in_envelope, const std::string& in_record,
                std::vector<FieldError>& errors) {
  if (in_envelope != in_record) {
    errors.push_back({std::string(field), "is '" + in_envelope + "' but the record says '" + in_record + "'",
                      ErrorKind::data_type});
  }
}

std::optional<json::value> parse_text(std::string_view text, std::vector<FieldError>& errors) {
  json::stream_parser parser;
  json::error_code ec;
  const std::size_t used = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    errors.push_back({"", "invalid JSON at byte " + std::to_string(used) + ": " + ec.message(), ErrorKind::structure});
    return std::nullopt;
  }
  return parser.release();
}

json::object without_kind(const json::object& object) {
  json::object body = object;
  body.erase("kind");
  return body;
}

template <class T>
RecordEnvelope make_envelope(const T& record) {
  RecordEnvelope rec;
  rec.kind = std::string(kind_name(T::kKind));
  set_ids(rec, ids_of(record));
  rec.body = to_json(record);
  return rec;
}

}  // namespace

std::vector<FieldError> validate_envelope(const RecordEnvelope& rec) { return validate_envelope(rec, {}); }

std::vector<FieldError> validate_envelope(const RecordEnvelope& rec, const ValidationContext& context) {
  std::vector<FieldError> errors;
  const auto kind = parse_kind(rec.kind);
  if (!kind) {
    errors.push_back({"kind", unknown_kind(rec.kind), ErrorKind::unsupported});
    return errors;
  }
  with_record_type(*kind, [&](auto tag) {
    using T = typename decltype(tag)::type;
    Decoded<T> decoded = from_json<T>(json::value(rec.body));
    if (!decoded.ok()) return append(errors, std::move(decoded.errors));
    append(errors, validate(*decoded.value, context));
    const Ids ids = ids_of(*decoded.value);
    compare_id("id", rec.id, ids.id, errors);
    // A Person's person_id and an Organization's org_id are copies of the record's own id that
    // a caller may not have filled in yet; every other mismatch would mis-index the record.
    const bool self_person = *kind == RecordKind::person && rec.person_id.empty();
    const bool self_org = *kind == RecordKind::organization && rec.org_id.empty();
    if (!self_person) compare_id("person_id", rec.person_id, ids.person_id, errors);
    if (!self_org) compare_id("org_id", rec.org_id, ids.org_id, errors);
  });
  return errors;
}

EnvelopeResult envelope_from_body(RecordKind kind, const json::value& body, const ValidationContext& context) {
  EnvelopeResult result;
  result.envelope.kind = std::string(kind_name(kind));
  if (!body.is_object()) {
    result.errors.push_back({"", "expected a JSON object, got " + std::string(json_io::type_name(body)),
                             ErrorKind::structure});
    return result;
  }
  result.envelope.body = body.get_object();
  with_record_type(kind, [&](auto tag) {
    using T = typename decltype(tag)::type;
    Decoded<T> decoded = from_json<T>(body);
    if (!decoded.ok()) {
      result.errors = std::move(decoded.errors);
      set_ids(result.envelope, raw_ids(kind, result.envelope.body));
      return;
    }
    const T& record = *decoded.value;
    set_ids(result.envelope, ids_of(record));
    result.errors = validate(record, context);
    if (result.errors.empty()) result.envelope.body = to_json(record);
  });
  return result;
}

EnvelopeResult envelope_from_body(RecordKind kind, json::object&& body, const ValidationContext& context) {
  EnvelopeResult result;
  result.envelope.kind = std::string(kind_name(kind));
  json::value owned(std::move(body));
  with_record_type(kind, [&](auto tag) {
    using T = typename decltype(tag)::type;
    Decoded<T> decoded = from_json<T>(owned);
    if (!decoded.ok()) {
      result.errors = std::move(decoded.errors);
      set_ids(result.envelope, raw_ids(kind, owned.get_object()));
      adopt_body(result.envelope, std::move(owned.get_object()));
      return;
    }
    const T& record = *decoded.value;
    set_ids(result.envelope, ids_of(record));
    result.errors = validate(record, context);
    // Normalised, as envelope_from_body(const value&) gives it: the body is rewritten from the
    // typed record unless it already reads exactly like that (the comparison allocates nothing).
    if (result.errors.empty() && !json_io::same(record, owned)) {
      result.envelope.body = to_json(record);
    } else {
      adopt_body(result.envelope, std::move(owned.get_object()));
    }
  });
  return result;
}

EnvelopeResult envelope_from_json(const json::value& input, const ValidationContext& context) {
  EnvelopeResult result;
  if (!input.is_object()) {
    result.errors.push_back({"", "expected a JSON object with a \"kind\" key, got " +
                                     std::string(json_io::type_name(input)),
                             ErrorKind::structure});
    return result;
  }
  const json::object& object = input.get_object();
  const json::value* kind_value = object.if_contains("kind");
  std::optional<RecordKind> kind;
  if (!kind_value) {
    result.errors.push_back({"kind", "is required", ErrorKind::required});
  } else if (!kind_value->is_string()) {
    result.errors.push_back({"kind", "expected a string, got " + std::string(json_io::type_name(*kind_value)),
                             ErrorKind::data_type});
  } else if (!(kind = parse_kind(kind_value->get_string()))) {
    result.envelope.kind = std::string(kind_value->get_string());
    result.errors.push_back({"kind", unknown_kind(result.envelope.kind), ErrorKind::unsupported});
  }
  if (!kind) {
    result.envelope.body = without_kind(object);
    return result;
  }
  return envelope_from_body(*kind, json::value(without_kind(object)), context);
}

EnvelopeResult parse_envelope(std::string_view json_text, const ValidationContext& context) {
  EnvelopeResult result;
  auto parsed = parse_text(json_text, result.errors);
  if (!parsed) return result;
  return envelope_from_json(*parsed, context);
}

EnvelopeResult parse_envelope(std::string_view json_text, RecordKind kind, const ValidationContext& context) {
  std::vector<FieldError> errors;
  auto parsed = parse_text(json_text, errors);
  if (!parsed) {
    EnvelopeResult result;
    result.envelope.kind = std::string(kind_name(kind));
    result.errors = std::move(errors);
    return result;
  }
  if (json::object* object = parsed->if_object()) {
    if (const json::value* given = object->if_contains("kind")) {
      if (!given->is_string() || given->get_string() != kind_name(kind)) {
        errors.push_back({"kind", "does not match the expected kind '" + std::string(kind_name(kind)) + "'",
                          ErrorKind::unsupported});
      }
      object->erase("kind");
    }
  }
  EnvelopeResult result = envelope_from_body(kind, *parsed, context);
  errors.insert(errors.end(), result.errors.begin(), result.errors.end());
  result.errors = std::move(errors);
  return result;
}

void adopt_body(RecordEnvelope& rec, json::object&& body) {
  std::destroy_at(&rec.body);
  std::construct_at(&rec.body, std::move(body));
}

json::object envelope_to_json(const RecordEnvelope& rec) {
  json::object out;
  out["kind"] = rec.kind;
  for (const auto& entry : rec.body) {
    if (entry.key() != "kind") out[entry.key()] = entry.value();
  }
  return out;
}

void assign_id(RecordEnvelope& rec, std::string id) {
  rec.body["id"] = id;
  if (rec.kind == kind_name(RecordKind::person)) rec.person_id = id;
  if (rec.kind == kind_name(RecordKind::organization)) rec.org_id = id;
  rec.id = std::move(id);
  rec.new_id = false;  // whoever chose this id may be reusing one (reprocessing does)
}

void assign_new_id(RecordEnvelope& rec) {
  assign_id(rec, new_time_ordered_uuid());
  rec.new_id = true;
}

void for_each_person_reference(RecordEnvelope& rec,
                               const std::function<void(json::value&)>& visit) {
  const bool person = rec.kind == kind_name(RecordKind::person);
  if (json::value* v = rec.body.if_contains(person ? "id" : "person_id")) visit(*v);
  if (rec.kind != kind_name(RecordKind::provenance)) return;
  if (json::value* targets = rec.body.if_contains("target_ids"); targets && targets->is_array()) {
    for (json::value& id : targets->get_array()) visit(id);
  }
}

RecordEnvelope to_envelope(const Person& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const Organization& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const Enrollment& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const Encounter& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const Observation& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const FitnessTest& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const VisionScreening& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const MentalHealthScreening& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const Diagnosis& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const Procedure& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const InpatientSummary& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const Consent& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const Provenance& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const AuditEvent& record) { return make_envelope(record); }
RecordEnvelope to_envelope(const Alert& record) { return make_envelope(record); }

// Records filled through setter tables (record_setters.hpp), for the mapping engine.
namespace setters {

const Type& record_type(RecordKind kind) {
  return with_record_type(kind, [](auto tag) -> const Type& {
    using T = typename decltype(tag)::type;
    return json_io::setter_type(static_cast<const T*>(nullptr));
  });
}

Record::Record(RecordKind kind) : kind_(kind) {
  data_ = with_record_type(kind, [](auto tag) -> void* {
    using T = typename decltype(tag)::type;
    return new T{};
  });
}

Record::Record(Record&& other) noexcept : kind_(other.kind_), data_(other.data_) { other.data_ = nullptr; }

Record& Record::operator=(Record&& other) noexcept {
  if (this != &other) {
    Record gone(std::move(*this));
    kind_ = other.kind_;
    data_ = other.data_;
    other.data_ = nullptr;
  }
  return *this;
}

Record::~Record() {
  if (data_ == nullptr) return;
  with_record_type(kind_, [this](auto tag) {
    using T = typename decltype(tag)::type;
    delete static_cast<T*>(data_);
  });
}

EnvelopeResult envelope_from_record(Record&& record, const ValidationContext& context,
                                    const boost::json::storage_ptr& sp) {
  EnvelopeResult result;
  result.envelope.kind = std::string(kind_name(record.kind()));
  with_record_type(record.kind(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T& typed = *static_cast<const T*>(record.data());
    set_ids(result.envelope, ids_of(typed));
    result.errors = validate(typed, context);
    // Constructed in place, so that the body keeps the arena it was written into.
    if (result.errors.empty()) adopt_body(result.envelope, to_json(typed, sp));
  });
  return result;
}

}  // namespace setters

}  // namespace kq::core
