// JSON field lists of the shared building blocks and of Person, Organization and Enrollment.
// The key of each field is its member name (json_codec.hpp).
#include "gateway/core/json_io.hpp"

namespace kq::core::json_io {

namespace {

void fields(auto& io, Of<Coding> auto& s) {
  io.field("system", s.system);
  io.field("code", s.code);
  io.field("display", s.display);
}

void fields(auto& io, Of<Quantity> auto& s) {
  io.required("value", s.value);
  io.field("unit", s.unit);
}

void fields(auto& io, Of<Identifier> auto& s) {
  io.field("system", s.system);
  io.field("value", s.value);
  io.field("type", s.type);
  io.field("assigner", s.assigner);
}

void fields(auto& io, Of<HumanName> auto& s) {
  io.field("family", s.family);
  io.field("given", s.given);
  io.field("text", s.text);
  io.field("pinyin", s.pinyin);
}

void fields(auto& io, Of<DatePeriod> auto& s) {
  io.field("start", s.start);
  io.field("end", s.end);
}

void fields(auto& io, Of<TimePeriod> auto& s) {
  io.field("start", s.start);
  io.field("end", s.end);
}

void fields(auto& io, Of<Address> auto& s) {
  io.field("use", s.use);
  io.field("admin_code", s.admin_code);
  io.field("text", s.text);
}

void fields(auto& io, Of<Telecom> auto& s) {
  io.field("system", s.system);
  io.field("value", s.value);
  io.field("use", s.use);
}

void fields(auto& io, Of<Contact> auto& s) {
  io.field("relationship", s.relationship);
  io.field("name", s.name);
  io.field("telecom", s.telecom);
  io.field("is_guardian", s.is_guardian);
  io.field("person_id", s.person_id);
}

void fields(auto& io, Of<Person> auto& s) {
  io.field("id", s.id);
  io.field("identifiers", s.identifiers);
  io.field("name", s.name);
  io.field("sex", s.sex);
  io.field("birth_date", s.birth_date);
  io.field("ethnicity", s.ethnicity);
  io.field("nationality", s.nationality);
  io.field("marital_status", s.marital_status);
  io.field("occupation", s.occupation);
  io.field("addresses", s.addresses);
  io.field("telecom", s.telecom);
  io.field("contacts", s.contacts);
  io.field("deceased", s.deceased);
  io.field("deceased_at", s.deceased_at);
  io.field("merged_identifiers", s.merged_identifiers);
}

void fields(auto& io, Of<Organization> auto& s) {
  io.field("id", s.id);
  io.field("identifiers", s.identifiers);
  io.field("name", s.name);
  io.field("type", s.type);
  io.field("admin_code", s.admin_code);
  io.field("part_of", s.part_of);
  io.field("active", s.active);
}

void fields(auto& io, Of<Enrollment> auto& s) {
  io.field("id", s.id);
  io.field("person_id", s.person_id);
  io.field("org_id", s.org_id);
  io.field("grade", s.grade);
  io.field("class_id", s.class_id);
  io.field("class_name", s.class_name);
  io.field("academic_year", s.academic_year);
  io.field("term", s.term);
  io.field("student_no", s.student_no);
  io.field("status", s.status);
  io.field("period", s.period);
}

}  // namespace

KQ_JSON_IO_DEFINE(Coding)
KQ_JSON_IO_DEFINE(Quantity)
KQ_JSON_IO_DEFINE(Identifier)
KQ_JSON_IO_DEFINE(HumanName)
KQ_JSON_IO_DEFINE(DatePeriod)
KQ_JSON_IO_DEFINE(TimePeriod)
KQ_JSON_IO_DEFINE(Address)
KQ_JSON_IO_DEFINE(Telecom)
KQ_JSON_IO_DEFINE(Contact)
KQ_JSON_IO_DEFINE(Person)
KQ_JSON_IO_DEFINE(Organization)
KQ_JSON_IO_DEFINE(Enrollment)

}  // namespace kq::core::json_io
