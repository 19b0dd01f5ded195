// Content rules for Consent, Provenance and AuditEvent, and the under-14 guardian rule.
#include "gateway/core/data_category.hpp"
#include "gateway/core/purpose_of_use.hpp"
#include "gateway/core/record_validation.hpp"
#include "gateway/core/validation_util.hpp"

namespace kq::core {

std::int64_t age_reached_day(const PartialDate& birth_date, int age) {
  const PartialDate born = birth_date.latest_day();
  const int year = born.year() + age;
  int month = *born.month();
  int day = *born.day();
  if (month == 2 && day == 29 && !is_leap_year(year)) {
    month = 3;  // the later reading keeps the guardian requirement one day longer
    day = 1;
  }
  return days_from_civil(year, month, day);
}

bool consent_needs_guardian(const PartialDate& birth_date, const PartialDate& grant_date, int guardian_age) {
  return grant_date.first_day_number() < age_reached_day(birth_date, guardian_age);
}

namespace {

// The gateway's own permissions; naming one as a consent recipient would hand the data to every
// operator or platform that holds it, which is not what a subject agreed to.
constexpr std::string_view kPermissionRoles[] = {"records.pull", "consent.write", "audit.read", "admin"};

// What the consent covers: purposes, data categories and recipients, each as the enforcement
// reads them (docs/consent.md). A consent must name its categories and recipients (PIPL art. 14
// and 23: informed of the categories and of who receives them); one that names none would be
// stored and silently never apply.
void check_consent_scope(checks::Checker& check, const Consent& record, bool by_consent) {
  for (std::size_t i = 0; i < record.purposes.size(); ++i) {
    if (auto problem = check_purpose_code(record.purposes[i])) {
      check.error(index_path("purposes", i), "'" + record.purposes[i] + "' " + *problem, ErrorKind::data_type);
    }
  }
  if (by_consent && record.data_categories.empty()) {
    check.error("data_categories", "at least one data category is required: consent covers named categories only",
                ErrorKind::required);
  }
  for (std::size_t i = 0; i < record.data_categories.size(); ++i) {
    if (!parse_data_category(record.data_categories[i])) {
      check.error(index_path("data_categories", i),
                  "'" + record.data_categories[i] + "' is not one of " + data_category_codes(),
                  ErrorKind::code_unknown);
    }
  }
  if (by_consent && record.recipients.empty()) {
    check.error("recipients", "at least one recipient (an organisation id, or role:<name>) is required",
                ErrorKind::required);
  }
  for (std::size_t i = 0; i < record.recipients.size(); ++i) {
    const std::string& r = record.recipients[i];
    const std::string path = index_path("recipients", i);
    if (r.empty() || r == "role:") {
      check.error(path, "is empty", ErrorKind::required);
      continue;
    }
    if (!r.starts_with("role:")) continue;
    const std::string_view role = std::string_view(r).substr(5);
    for (std::string_view permission : kPermissionRoles) {
      if (role == permission) {
        check.error(path, "'" + r + "' names a gateway permission, not a recipient; name the organisation or its role",
                    ErrorKind::not_permitted);
      }
    }
  }
  if (record.grantor_is_guardian && !(record.grantor && record.grantor->relationship)) {
    check.error("grantor.relationship", "is required when grantor_is_guardian is true (a GB/T 4761 family relationship code)",
                ErrorKind::required);
  }
}

}  // namespace

std::vector<FieldError> validate(const Consent& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.person_link(record.person_id);
  check.required("status", record.status);
  check.one_of("status", record.status, {"draft", "active", "rejected", "withdrawn", "expired"});
  check.required("lawful_basis", record.lawful_basis);
  check.one_of("lawful_basis", record.lawful_basis,
               {"consent", "statutory_duty", "public_health_emergency", "contract", "vital_interest"});
  const bool by_consent = record.lawful_basis == "consent";
  if (by_consent && record.purposes.empty()) {
    check.error("purposes", "at least one purpose is required: consent covers stated purposes only",
                ErrorKind::required);
  }
  check_consent_scope(check, record, by_consent);
  if (record.status == "withdrawn" && !record.withdrawn_at) {
    check.error("withdrawn_at", "is required when status is withdrawn", ErrorKind::required);
  }
  if (record.withdrawn_at && !record.status.empty() && record.status != "withdrawn") {
    check.error("status", "is '" + record.status + "' but withdrawn_at is set", ErrorKind::data_type);
  }
  check.ordered("withdrawn_at", record.granted_at, record.withdrawn_at, "granted_at");
  if (record.period) check.ordered("period.end", record.period->start, record.period->end, "period.start");

  // PIPL art. 29: sensitive personal information is disclosed only on a separate consent. A
  // general consent naming a sensitive category would be stored and never permit it; say so now.
  // (A refusal needs no such form: saying no is always enough.)
  const bool agreeing = by_consent && record.status != "rejected";
  if (agreeing && !record.separate_consent) {
    std::string sensitive;
    for (const std::string& code : record.data_categories) {
      const std::optional<DataCategory> category = parse_data_category(code);
      if (category && describe(*category).sensitive) sensitive += (sensitive.empty() ? "" : ", ") + code;
    }
    if (!sensitive.empty()) {
      check.error("separate_consent",
                  "must be true: " + sensitive + " is sensitive personal information (PIPL art. 29)",
                  ErrorKind::not_permitted);
    }
  }

  // PIPL Art. 31: under the guardian age, only a parent or guardian can consent. The grant day
  // is the signature date, else the start of validity, else today (a consent being recorded now).
  if (by_consent && context.subject_birth_date) {
    const PartialDate granted = record.granted_at ? record.granted_at->local_date()
                                : record.period && record.period->start ? *record.period->start
                                                                        : check.today();
    const bool child = consent_needs_guardian(*context.subject_birth_date, granted, context.guardian_age);
    if (child && !record.grantor_is_guardian) {
      check.error("grantor_is_guardian", "the subject is under " + std::to_string(context.guardian_age) +
                                             " on the grant date, so a parent or guardian must grant consent",
                  ErrorKind::not_permitted);
    }
    // Art. 28: everything about a child under 14 is sensitive, so only a separate consent serves.
    if (child && agreeing && !record.separate_consent) {
      check.error("separate_consent",
                  "must be true: the subject is under " + std::to_string(context.guardian_age) +
                      " on the grant date, and all of a child's personal information is sensitive (PIPL art. 28)",
                  ErrorKind::not_permitted);
    }
  }
  return check.take();
}

std::vector<FieldError> validate(const Provenance& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.required("mapping_name", record.mapping_name);
  check.required("mapping_version", record.mapping_version);
  check.required("source_system", record.source_system);
  check.required("channel", record.channel);
  check.required("received_at", record.received_at);
  for (const FieldLineage& l : record.lineage) {
    if (l.target_path.empty()) {
      check.error("lineage", "a target path is empty", ErrorKind::required);
      continue;
    }
    check.required(join_path("lineage", l.target_path), l.source_location);
  }
  return check.take();
}

std::vector<FieldError> validate(const AuditEvent& record, const ValidationContext& context) {
  checks::Checker check(context);
  check.required("recorded_at", record.recorded_at);
  check.required("type", record.type);
  check.required("action", record.action);
  check.one_of("action", record.action, {"C", "R", "U", "D", "E"});
  check.required("outcome", record.outcome);
  check.one_of("outcome", record.outcome, {"success", "denied", "failure"});
  check.one_of("consent_decision", record.consent_decision, {"permit", "deny"});
  return check.take();
}

}  // namespace kq::core
