#include "gateway/consent/registry.hpp"

#include <boost/json/parse.hpp>

#include "gateway/consent/subjects.hpp"
#include "gateway/core/json_codec.hpp"
#include "gateway/core/record_validation.hpp"

namespace kq::consent {

namespace {

std::optional<core::Consent> parse_consent(const store::StoredRecord& row) {
  if (row.kind != "consent") return std::nullopt;
  boost::system::error_code ec;
  const boost::json::value json = boost::json::parse(row.body_json, ec);
  if (ec) return std::nullopt;
  core::Decoded<core::Consent> decoded = core::from_json<core::Consent>(json);
  if (!decoded.ok()) return std::nullopt;
  return std::move(*decoded.value);
}

}  // namespace

std::optional<core::Consent> current_consent(store::Reader& reader, std::string_view consent_id) {
  const std::optional<store::StoredRecord> row = reader.record(consent_id);
  if (!row) return std::nullopt;
  return parse_consent(*row);
}

std::vector<core::Consent> consents_of_subject(store::Reader& reader, const std::string& person_id) {
  std::vector<core::Consent> out;
  for (const store::StoredRecord& row : reader.consent_subjects({person_id}).consents) {
    if (auto c = parse_consent(row)) out.push_back(std::move(*c));
  }
  return out;
}

std::vector<core::FieldError> check_consent_write(store::Reader& reader, const core::Consent& consent,
                                                  int guardian_age, std::optional<core::PartialDate> today,
                                                  const SubjectInBatch* subject_in_batch) {
  core::ValidationContext context;
  context.today = today;
  context.guardian_age = guardian_age;
  context.require_person_link = true;
  std::vector<core::FieldError> errors;
  if (!consent.person_id.empty()) {
    const store::ConsentSubjectRows rows = reader.consent_subjects({consent.person_id});
    if (rows.persons.empty() && subject_in_batch == nullptr) {
      errors.push_back({"person_id", "names no person in the store", core::ErrorKind::unknown_key});
    }
    // Of persons merged into one, the youngest reading decides (the stricter one).
    std::vector<std::optional<core::PartialDate>> births;
    for (const store::StoredRecord& person : rows.persons) births.push_back(birth_date_of(person.body_json));
    if (subject_in_batch != nullptr) births.push_back(subject_in_batch->birth_date);
    for (const std::optional<core::PartialDate>& born : births) {
      if (!born) continue;
      if (!context.subject_birth_date ||
          core::age_reached_day(*born, guardian_age) > core::age_reached_day(*context.subject_birth_date, guardian_age)) {
        context.subject_birth_date = born;
      }
    }
  }
  for (core::FieldError& e : core::validate(consent, context)) errors.push_back(std::move(e));
  if (consent.id.empty()) return errors;

  const std::optional<store::StoredRecord> row = reader.record(consent.id);
  if (!row) return errors;
  if (row->kind != "consent") {
    errors.push_back({"id", "names a " + row->kind + " record, not a consent", core::ErrorKind::unknown_key});
    return errors;
  }
  const std::optional<core::Consent> previous = parse_consent(*row);
  if (!previous) return errors;  // an unreadable earlier version: the new one replaces it
  const std::string version = std::to_string(row->version);
  if (previous->person_id != consent.person_id) {
    errors.push_back({"person_id", "differs from the subject of version " + version +
                                       "; a consent's subject never changes: record a new consent",
                      core::ErrorKind::not_permitted});
  }
  if (previous->status == "withdrawn" &&
      (consent.status != "withdrawn" || consent.withdrawn_at != previous->withdrawn_at)) {
    errors.push_back({"status", "consent was withdrawn in version " + version +
                                    "; a withdrawal is final (PIPL art. 15): record a new consent",
                      core::ErrorKind::not_permitted});
  }
  return errors;
}

core::Consent withdrawn(core::Consent consent, const core::DateTime& at) {
  consent.status = "withdrawn";
  consent.withdrawn_at = at;
  return consent;
}

}  // namespace kq::consent
