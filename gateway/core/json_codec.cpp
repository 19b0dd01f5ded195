#include "gateway/core/json_codec.hpp"

#include "gateway/core/json_io.hpp"

namespace kq::core {

namespace {

template <class T>
boost::json::object object_of(const T& record, const boost::json::storage_ptr& sp) {
  boost::json::value v = json_io::write(record, sp);
  return std::move(v.as_object());
}

}  // namespace

boost::json::object to_json(const Person& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const Organization& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const Enrollment& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const Encounter& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const Observation& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const FitnessTest& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const VisionScreening& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const MentalHealthScreening& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const Diagnosis& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const Procedure& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const InpatientSummary& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const Consent& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const Provenance& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const AuditEvent& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }
boost::json::object to_json(const Alert& record, const boost::json::storage_ptr& sp) { return object_of(record, sp); }

template <class T>
Decoded<T> from_json(const boost::json::value& json) {
  Decoded<T> out;
  T record{};
  json_io::read(json, "", record, out.errors);
  if (out.errors.empty()) out.value = std::move(record);
  return out;
}

#define KQ_INSTANTIATE_CODEC(Type) template Decoded<Type> from_json<Type>(const boost::json::value&);
KQ_INSTANTIATE_CODEC(Person)
KQ_INSTANTIATE_CODEC(Organization)
KQ_INSTANTIATE_CODEC(Enrollment)
KQ_INSTANTIATE_CODEC(Encounter)
KQ_INSTANTIATE_CODEC(Observation)
KQ_INSTANTIATE_CODEC(FitnessTest)
KQ_INSTANTIATE_CODEC(VisionScreening)
KQ_INSTANTIATE_CODEC(MentalHealthScreening)
KQ_INSTANTIATE_CODEC(Diagnosis)
KQ_INSTANTIATE_CODEC(Procedure)
KQ_INSTANTIATE_CODEC(InpatientSummary)
KQ_INSTANTIATE_CODEC(Consent)
KQ_INSTANTIATE_CODEC(Provenance)
KQ_INSTANTIATE_CODEC(AuditEvent)
KQ_INSTANTIATE_CODEC(Alert)
#undef KQ_INSTANTIATE_CODEC

}  // namespace kq::core
