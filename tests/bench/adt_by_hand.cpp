#include "adt_by_hand.hpp"

#include <optional>

#include <boost/json/monotonic_resource.hpp>
#include <vector>

#include "gateway/core/identifier_systems.hpp"
#include "gateway/core/json_codec.hpp"
#include "gateway/core/model.hpp"
#include "gateway/core/record_validation.hpp"
#include "gateway/core/resident_id.hpp"
#include "gateway/core/text_util.hpp"
#include "gateway/formats/hl7v2/encoding.hpp"
#include "gateway/mapping/runtime/name_uuid.hpp"

namespace kq::bench {
namespace {

using formats::Hl7Message;

// Reads SEG-field[.component] of one segment (first repetition, escapes resolved), as the
// engine's paths do; an HL7 null ("") reads as empty.
class Reader {
 public:
  Reader(const Hl7Message& m, std::size_t segment) : m_(m), segment_(segment) {}

  std::string get(std::size_t field, std::size_t component = 0) const {
    if (segment_ == Hl7Message::npos) return {};
    return component_of(part(m_.field(segment_, field).raw, m_.separators().repetition, 1), component);
  }
  // Every repetition of a field, as written.
  std::vector<std::string_view> repetitions(std::size_t field) const {
    if (segment_ == Hl7Message::npos) return {};
    const std::string_view raw = m_.field(segment_, field).raw;
    std::vector<std::string_view> out;
    const std::size_t count = formats::hl7v2::count_parts(raw, m_.separators().repetition);
    for (std::size_t r = 1; r <= count; ++r) out.push_back(part(raw, m_.separators().repetition, r));
    return out;
  }
  // Component `component` of a value (0: the whole value).
  std::string component_of(std::string_view value, std::size_t component) const {
    std::string out;
    const std::string_view raw = component == 0 ? value : part(value, m_.separators().component, component);
    if (!formats::hl7v2::is_hl7_null(raw)) m_.append_decoded(out, raw);
    return out;
  }

 private:
  static std::string_view part(std::string_view text, char separator, std::size_t n) {
    bool found = false;
    return formats::hl7v2::nth_part(text, separator, n, found);
  }
  const Hl7Message& m_;
  std::size_t segment_;
};

// The `resident_id` step.
bool resident_id(std::string_view text, const core::PartialDate& today, std::string& out, std::string& why) {
  auto id = core::resident_id_from_source(text, today);
  if (!id) {
    why = std::string(text) + ": " + id.error();
    return false;
  }
  out = std::move(id).value();
  return true;
}

// codes/gbt2261_1_sex.yaml (ignore_case) and codes/hl7_patient_class.yaml.
std::optional<std::string> sex_code(std::string_view code) {
  if (code == "1" || code == "M" || code == "m" || code == "男") return "1";
  if (code == "2" || code == "F" || code == "f" || code == "女") return "2";
  if (code == "0" || code == "U" || code == "u") return "0";
  if (code == "9") return "9";
  return std::nullopt;
}
std::optional<std::string> patient_class(std::string_view code) {
  if (code == "I") return "inpatient";
  if (code == "O") return "outpatient";
  if (code == "E") return "emergency";
  return std::nullopt;
}

bool fail(std::string& why, std::string text) {
  why = std::move(text);
  return false;
}

}  // namespace

bool map_adt_by_hand(const Hl7Message& message, std::string_view sender_org, const core::PartialDate& today,
                     HandMapped& out, std::string& why) {
  const Reader msh(message, message.first_segment(Hl7Message::kMshType));
  const Reader pid(message, message.first_segment(Hl7Message::pack_segment_name("PID")));
  const Reader pv1(message, message.first_segment(Hl7Message::pack_segment_name("PV1")));
  const std::string hospital = sender_org.empty() ? msh.get(4, 1) : std::string(sender_org);

  core::Person person;
  person.id = "ref:patient";
  // PID-3: resident ID numbers (type ID/NI) first, then MRNs (MR/PI), as the fragment's two
  // list entries iterate; then PID-19. An identifier already in the list is not added again.
  const std::vector<std::string_view> reps = pid.repetitions(3);
  for (const bool resident : {true, false}) {
    for (const std::string_view rep : reps) {
      std::string type = pid.component_of(rep, 5);
      for (char& c : type) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
      const std::string value = pid.component_of(rep, 1);
      if (resident && (type == "ID" || type == "NI")) {
        core::Identifier id{std::string(core::id_system::kResidentId), {}, {}, {}};
        if (!resident_id(value, today, id.value, why)) return false;
        person.identifiers.push_back(std::move(id));
      } else if (!resident && (type == "MR" || type == "PI")) {
        const std::string_view mrn = core::trim_space(value);
        if (mrn.empty()) continue;
        person.identifiers.push_back({std::string(core::id_system::kHospitalMrn), std::string(mrn), {}, hospital});
      }
    }
  }
  if (const std::string pid19 = pid.get(19); !pid19.empty()) {
    core::Identifier id{std::string(core::id_system::kResidentId), {}, {}, {}};
    if (!resident_id(pid19, today, id.value, why)) return false;
    bool seen = false;
    for (const core::Identifier& other : person.identifiers) seen = seen || other == id;
    if (!seen) person.identifiers.push_back(std::move(id));
  }
  core::HumanName name;
  if (auto pinyin = core::trim_space(pid.get(5, 1)); !pinyin.empty()) name.pinyin = std::string(pinyin);
  if (auto text = core::trim_space(pid.get(5, 2)); !text.empty()) name.text = std::string(text);
  if (name.pinyin || name.text) person.name = std::move(name);
  if (const std::string sex = pid.get(8); !sex.empty()) {
    person.sex = sex_code(sex);
    if (!person.sex) return fail(why, "PID-8: '" + sex + "' is not a GB/T 2261.1 sex code");
  }
  if (const std::string birth = pid.get(7); !birth.empty()) {
    auto date = core::PartialDate::parse(birth);
    if (!date) return fail(why, "PID-7: " + date.error());
    if (date->first_day_number() > today.last_day_number()) return fail(why, "PID-7 is in the future");
    person.birth_date = *date;
  }
  if (std::string ethnicity = pid.get(22, 1); !ethnicity.empty()) person.ethnicity = std::move(ethnicity);
  if (std::string address = pid.get(11, 1); !address.empty()) {
    person.addresses.push_back({std::string("home"), {}, std::move(address)});
  }
  if (std::string phone = pid.get(13, 1); !phone.empty()) {
    person.telecom.push_back({"phone", std::move(phone), std::string("home")});
  }
  if (person.identifiers.empty()) return fail(why, "identifiers: is required");
  if (!person.name || !person.name->text) return fail(why, "name.text: is required");

  if (!pv1.get(36, 1).empty()) return fail(why, "PV1-36 is not covered by the hand-written reference");
  core::Encounter visit;
  const std::string visit_no = pv1.get(19);
  // As the mapping derives a keyed id: kind, rule name, then each part of the key.
  visit.id = mapping::detail::name_uuid(std::string(core::kind_name(core::RecordKind::encounter)) +
                                        "\x1fvisit\x1f" + hospital + '\x1f' + visit_no);
  visit.person_id = person.id;
  visit.org_id = hospital;
  const std::string klass = pv1.get(2);
  const auto encounter_class = patient_class(klass);
  if (!encounter_class) return fail(why, "PV1-2: '" + klass + "' is not a patient class");
  visit.encounter_class = *encounter_class;
  if (std::string dept = pv1.get(3, 1); !dept.empty()) visit.dept = std::move(dept);
  std::string location;
  for (std::size_t c = 1; c <= 3; ++c) {
    const std::string part = pv1.get(3, c);
    if (part.empty()) continue;
    if (!location.empty()) location += ' ';
    location += part;
  }
  if (!location.empty()) visit.location_text = std::move(location);
  if (auto no = core::trim_space(visit_no); !no.empty()) visit.source_visit_no = std::string(no);
  if (!visit.source_visit_no) return fail(why, "source_visit_no: is required");
  core::TimePeriod period;
  for (const std::size_t field : {std::size_t{44}, std::size_t{45}}) {
    const std::string text = pv1.get(field);
    if (text.empty()) continue;
    auto at = core::DateTime::parse(text);
    if (!at) return fail(why, "PV1-" + std::to_string(field) + ": " + at.error());
    if (field == 44 && at->local_date().first_day_number() > today.last_day_number()) {
      return fail(why, "PV1-44 is in the future");
    }
    (field == 44 ? period.start : period.end) = *at;
  }
  if (period.start || period.end) visit.period = period;
  if (std::string target = std::string(core::trim_space(pv1.get(37, 1))); !target.empty()) {
    visit.discharge_target_org = std::move(target);
  }

  core::ValidationContext context;
  context.today = today;
  for (const core::FieldError& e : core::validate(person, context)) return fail(why, e.path + ": " + e.message);
  for (const core::FieldError& e : core::validate(visit, context)) return fail(why, e.path + ": " + e.message);
  // One arena for the document's bodies, as the engine does.
  const boost::json::storage_ptr arena = boost::json::make_shared_resource<boost::json::monotonic_resource>(4096);
  out.person.emplace(core::to_json(person, arena));
  out.encounter.emplace(core::to_json(visit, arena));
  return true;
}

}  // namespace kq::bench
