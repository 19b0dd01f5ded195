// Thousands of generated subjects — every age from 5 to 20 (and unknown), consents of every shape
// (none, general only, separate, purpose- or recipient-limited, expired, withdrawn, not yet valid,
// refusals, by a guardian or by the subject) — and every decision the real code makes compared
// with an independent, deliberately simple evaluator written here from the rules in
// docs/consent.md: plain calendar dates and ages, code strings, loops. The real path is used from
// the stored JSON on: consents are serialised as the store holds them and read back through
// subject_table(), and the request comes from Policy::open() on a configuration.
//
// The evaluator shares no code with the module: if both were wrong the same way, they would be
// wrong in two different programs. Zero false permits, zero false denials, and the reason (and
// the consent it cites) of every decision must match.
#include <algorithm>
#include <compare>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <boost/json/serialize.hpp>

#include "gateway/consent/subjects.hpp"
#include "gateway/core/json_codec.hpp"
#include "tests/unit/consent/consent_test_support.hpp"

namespace kq::consent::testing {
namespace {

// ---- the generated world, in plain terms ---------------------------------------------------

struct Ymd {
  int y = 0, m = 0, d = 0;
  auto operator<=>(const Ymd&) const = default;
  std::string iso() const {
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
    return text;
  }
};

// Completed years on `on` for someone born on `born`: a 29 February birthday is reached on
// 1 March in common years, since (3, 1) is not before (2, 29).
int age(const Ymd& born, const Ymd& on) {
  const bool before_birthday = std::pair(on.m, on.d) < std::pair(born.m, born.d);
  return on.y - born.y - (before_birthday ? 1 : 0);
}

struct GenConsent {
  std::string id;
  std::string status;  // active | expired | withdrawn | draft | rejected
  std::string basis = "consent";
  bool withdrawn = false;  // withdrawn_at set (before now)
  bool guardian = true;
  bool separate = true;
  std::vector<std::string> purposes;
  std::vector<std::string> categories;
  std::vector<std::string> recipients;
  Ymd granted;  // at 09:00 China time on that day
  Ymd from;
  std::optional<Ymd> to;
};

struct GenRecord {
  std::vector<std::string> categories;
  std::optional<Ymd> day;
  bool inside = true;  // in the requester's jurisdiction
  bool by_region = false;
};

struct GenSubject {
  std::string id;
  std::optional<Ymd> born;
  std::vector<GenConsent> consents;  // ordered by id
  std::vector<GenRecord> records;
};

const Ymd kToday{2025, 3, 1};
constexpr const char* kNow = "2025-03-01T10:00:00+08:00";
constexpr int kGuardianAge = 14;

// ---- the independent evaluator -------------------------------------------------------------

bool has(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool sensitive_code(const std::string& code) {
  return !(code == "demographics" || code == "enrollment" || code == "organization" || code == "consent_record" ||
           code == "provenance" || code == "audit_trail");
}

bool minor_on(const std::optional<Ymd>& born, const Ymd& on) { return !born || age(*born, on) < kGuardianAge; }

bool names_cdc(const GenConsent& c) { return has(c.recipients, "org-cdc") || has(c.recipients, "role:cdc"); }

bool covers_today(const GenConsent& c) { return c.from <= kToday && (!c.to || kToday <= *c.to); }

struct Expected {
  Outcome outcome;
  Reason reason;
  std::string consent;  // cited consent id, or empty
};

// The first rule a consent breaks, in the documented order, with how far it got (its rank).
std::pair<int, Reason> first_failure(const GenConsent& c, const GenSubject& s, const GenRecord& r,
                                     const std::string& purpose, bool sensitive) {
  if (c.withdrawn || c.status == "withdrawn") return {0, Reason::consent_withdrawn};
  if (c.status == "expired") return {0, Reason::consent_expired};
  if (c.status != "active") return {0, Reason::consent_inactive};
  if (kToday < c.granted || kToday < c.from) return {1, Reason::consent_not_yet_valid};
  if (c.to && *c.to < kToday) return {1, Reason::consent_expired};
  if (!names_cdc(c)) return {2, Reason::recipient_not_covered};
  if (!has(c.purposes, purpose)) return {3, Reason::purpose_not_covered};
  for (const std::string& code : r.categories) {
    if (!has(c.categories, code)) return {4, Reason::category_not_covered};
  }
  if (sensitive && !c.separate) return {5, Reason::separate_consent_required};
  if (!c.guardian && minor_on(s.born, c.granted)) return {6, Reason::guardian_required};
  return {100, Reason::consent};
}

Expected evaluate(const GenSubject& s, const GenRecord& r, const std::string& purpose) {
  if (!r.inside) return {Outcome::not_found, Reason::outside_jurisdiction, ""};
  bool personal = false;
  for (const std::string& code : r.categories) personal = personal || code != "organization";
  if (!personal) return {Outcome::permit, Reason::not_personal, ""};
  // The statutory flow of the configuration below: fitness and vision, for public health.
  bool statutory = purpose == "PUBHLTH";
  for (const std::string& code : r.categories) statutory = statutory && (code == "physical_fitness" || code == "vision");
  if (statutory) return {Outcome::permit, Reason::statutory, ""};

  bool sensitive = minor_on(s.born, kToday) || (r.day && minor_on(s.born, *r.day));
  for (const std::string& code : r.categories) sensitive = sensitive || sensitive_code(code);

  const GenConsent* permit = nullptr;
  const GenConsent* refusal = nullptr;
  const GenConsent* nearest = nullptr;
  std::pair<int, Reason> nearest_failure{-1, Reason::no_consent};
  for (const GenConsent& c : s.consents) {
    if (c.basis != "consent") continue;
    if (c.status == "rejected" && !c.withdrawn) {
      bool overlaps = false;
      for (const std::string& code : r.categories) overlaps = overlaps || has(c.categories, code);
      if (overlaps && names_cdc(c) && has(c.purposes, purpose) && covers_today(c) &&
          (refusal == nullptr || refusal->granted < c.granted)) {
        refusal = &c;
      }
      continue;
    }
    const auto failure = first_failure(c, s, r, purpose, sensitive);
    if (failure.first == 100) {
      if (permit == nullptr || permit->granted < c.granted) permit = &c;
    } else if (failure.first > nearest_failure.first) {
      nearest = &c;
      nearest_failure = failure;
    }
  }
  if (permit && (!refusal || refusal->granted < permit->granted)) return {Outcome::permit, Reason::consent, permit->id};
  if (refusal) return {Outcome::deny, Reason::refused, refusal->id};
  if (nearest) return {Outcome::deny, nearest_failure.second, nearest->id};
  return {Outcome::deny, Reason::no_consent, ""};
}

// ---- the generator --------------------------------------------------------------------------

class Generator {
 public:
  explicit Generator(unsigned seed) : random_(seed) {}

  GenSubject subject(int n) {
    GenSubject s;
    s.id = "p-" + std::to_string(n);
    if (pick(20) != 0) s.born = birth_date();
    const int consents = pick(4);
    for (int k = 0; k < consents; ++k) s.consents.push_back(consent(s, k));
    const int records = 1 + pick(4);
    for (int k = 0; k < records; ++k) s.records.push_back(record(s));
    return s;
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  template <typename T>
  const T& one_of(const std::vector<T>& options) {
    return options[static_cast<std::size_t>(pick(static_cast<int>(options.size())))];
  }
  Ymd date(int from_year, int to_year) {
    Ymd d{from_year + pick(to_year - from_year + 1), 1 + pick(12), 1 + pick(28)};
    if (pick(40) == 0) d = {2008 + 4 * pick(5), 2, 29};  // leap days, for the 1 March rule
    return d;
  }
  Ymd birth_date() {
    if (pick(8) == 0) return {2011 - pick(2), 2 + pick(2), 1 + pick(2)};  // 14 around the grant dates below
    return date(2004, 2020);
  }
  // Often near someone's 14th birthday, so the guardian rule is tested at its edge.
  Ymd grant_date(const GenSubject& s) {
    if (s.born && pick(3) == 0) {
      const Ymd fourteen{s.born->y + kGuardianAge, s.born->m, std::min(s.born->d, 28)};
      return {fourteen.y, fourteen.m, std::clamp(fourteen.d + pick(5) - 2, 1, 28)};
    }
    if (pick(10) == 0) return {2025, 3, 1 + pick(2)};  // today or tomorrow
    return date(2018, 2025);
  }

  GenConsent consent(const GenSubject& s, int k) {
    GenConsent c;
    c.id = "c-" + s.id + "-" + std::to_string(k);
    const int shape = pick(20);
    c.status = shape == 0 ? "expired" : shape == 1 ? "withdrawn" : shape == 2 ? "draft" : shape <= 4 ? "rejected" : "active";
    c.withdrawn = c.status == "withdrawn" || pick(15) == 0;
    if (pick(30) == 0) c.basis = "statutory_duty";
    c.guardian = pick(3) != 0;
    c.separate = pick(3) != 0;  // general only otherwise
    c.purposes = one_of<std::vector<std::string>>({{"PUBHLTH"}, {"PUBHLTH", "HRESCH"}, {"TREAT"}, {"HRESCH"}});
    c.recipients = one_of<std::vector<std::string>>(
        {{"org-cdc"}, {"role:cdc"}, {"org-hospital"}, {"role:school-doctor"}, {"org-hospital", "role:cdc"}});
    static const std::vector<std::string> kCodes = {"demographics", "enrollment", "health_exam", "physical_fitness",
                                                    "vision",       "mental_health", "laboratory", "diagnosis"};
    for (const std::string& code : kCodes) {
      if (pick(2) == 0) c.categories.push_back(code);
    }
    if (c.categories.empty()) c.categories.push_back(one_of(kCodes));
    c.granted = grant_date(s);
    // Signed the same day as the one before: ties between a refusal and a consent (a denial), and
    // between two permitting consents (the first by id is cited).
    if (!s.consents.empty() && pick(4) == 0) c.granted = s.consents.back().granted;
    c.from = pick(6) == 0 ? Ymd{c.granted.y, c.granted.m, std::min(c.granted.d + 10, 28)} : c.granted;
    if (pick(5) != 0) c.to = Ymd{c.from.y + 1 + pick(3), c.from.m, std::min(c.from.d, 28)};
    if (pick(8) == 0) c.to = pick(2) == 0 ? Ymd{2025, 2, 28} : kToday;  // ends yesterday or today
    if (c.to && *c.to < c.from) c.to = c.from;
    return c;
  }

  GenRecord record(const GenSubject& s) {
    static const std::vector<std::vector<std::string>> kShapes = {
        {"vision"},        {"physical_fitness"}, {"health_exam"},      {"demographics"},
        {"enrollment"},    {"mental_health"},    {"laboratory"},       {"diagnosis", "mental_health"},
        {"organization"},  {"vision", "physical_fitness"}, {"encounter"}, {"enrollment"}};
    GenRecord r;
    r.categories = one_of(kShapes);
    if (pick(2) == 0) r.day = s.born && pick(2) == 0 ? Ymd{s.born->y + 9 + pick(8), 9, 1} : date(2018, 2025);
    r.inside = pick(10) != 0;
    r.by_region = pick(2) == 0;
    return r;
  }

  std::mt19937 random_;
};

// ---- from the plain world to what the module reads ----------------------------------------

core::Consent model_of(const GenConsent& g, const std::string& subject) {
  core::Consent c;
  c.id = g.id;
  c.person_id = subject;
  c.org_id = "org-school";
  c.status = g.status;
  c.grantor_is_guardian = g.guardian;
  c.grantor = g.guardian ? core::ConsentGrantor{std::nullopt, std::nullopt, std::string("52")}
                         : core::ConsentGrantor{subject, std::nullopt, std::nullopt};
  c.purposes = g.purposes;
  c.data_categories = g.categories;
  c.recipients = g.recipients;
  c.separate_consent = g.separate;
  c.lawful_basis = g.basis;
  c.granted_at = at((g.granted.iso() + "T09:00:00+08:00").c_str());
  c.period = core::DatePeriod{on(g.from.iso().c_str()), std::nullopt};
  if (g.to) c.period->end = on(g.to->iso().c_str());
  if (g.withdrawn) c.withdrawn_at = at("2025-02-01T12:00:00+08:00");
  return c;
}

store::ConsentSubjectRows stored_rows(const std::vector<GenSubject>& subjects) {
  store::ConsentSubjectRows rows;
  for (const GenSubject& s : subjects) {
    rows.same_person[s.id] = {s.id};
    store::StoredRecord person;
    person.id = s.id;
    person.person_id = s.id;
    person.kind = "person";
    person.version = 1;
    person.body_json = s.born ? R"({"birth_date":")" + s.born->iso() + R"("})" : "{}";
    rows.persons.push_back(person);
    for (const GenConsent& g : s.consents) {
      store::StoredRecord c;
      c.id = g.id;
      c.person_id = s.id;
      c.kind = "consent";
      c.version = 1;
      c.body_json = boost::json::serialize(core::to_json(model_of(g, s.id)));
      rows.consents.push_back(std::move(c));
    }
  }
  return rows;
}

RecordFacts facts_of(const GenRecord& g, const std::string& subject) {
  RecordFacts r;
  r.kind = core::RecordKind::observation;
  for (const std::string& code : g.categories) r.categories.add(*core::parse_data_category(code));
  r.subject = subject;
  if (g.day) r.day = day(g.day->iso().c_str());
  if (g.inside) {
    r.places = g.by_region ? Places{{"org-other"}, {"110108"}} : Places{{"org-school"}, {}};
  } else {
    r.places = Places{{"org-other"}, {"130102"}};
  }
  return r;
}

config::GatewayConfig configuration() {
  config::GatewayConfig config;
  config::PrincipalConfig cdc;
  cdc.name = "district-cdc";
  cdc.organisation = "org-cdc";
  cdc.roles = {"records.pull", "cdc"};
  cdc.purposes = {"PUBHLTH", "HRESCH", "TREAT"};
  cdc.jurisdiction.organisations = {"org-school"};
  cdc.jurisdiction.regions = {"110000"};
  config.principals.push_back(cdc);
  config.consent.statutory.push_back({"student-fitness-statistics", "org-cdc", {"PUBHLTH"},
                                      {"physical_fitness", "vision"}, "学生体质健康标准 reporting duty", {}});
  return config;
}

unsigned seed() {
  const char* text = std::getenv("KQ_CONSENT_SEED");
  return text ? static_cast<unsigned>(std::strtoul(text, nullptr, 10)) : 20250301u;
}

TEST(GeneratedSubjects, EveryDecisionMatchesTheSimpleEvaluator) {
  const unsigned s = seed();
  Generator generate(s);
  std::vector<GenSubject> subjects;
  for (int n = 0; n < 4000; ++n) subjects.push_back(generate.subject(n));
  const SubjectTable table = subject_table(stored_rows(subjects), kGuardianAge);
  ASSERT_EQ(table.size(), subjects.size());

  const Policy policy(configuration());
  std::map<std::string, int> seen;  // reason → count
  int decisions = 0, false_permits = 0, false_denials = 0, wrong_reasons = 0;
  for (const char* purpose_code : {"PUBHLTH", "HRESCH", "TREAT"}) {
    const std::string purpose = purpose_code;
    const auto opened = policy.open("district-cdc", purpose, at(kNow).utc_millis());
    ASSERT_TRUE(std::holds_alternative<Request>(opened)) << std::get<Refusal>(opened).message;
    const Request& request = std::get<Request>(opened);
    for (const GenSubject& subject : subjects) {
      for (const GenRecord& record : subject.records) {
        const RecordFacts facts = facts_of(record, subject.id);
        const Decision got = decide(request, facts, table);
        const Expected want = evaluate(subject, record, purpose);
        ++decisions;
        ++seen[std::string(reason_code(got.reason))];
        const std::string cited = got.consent ? got.consent->id : "";
        const bool permitted = got.outcome == Outcome::permit;
        if (permitted && want.outcome != Outcome::permit) ++false_permits;
        if (!permitted && want.outcome == Outcome::permit) ++false_denials;
        if (got.outcome != want.outcome || got.reason != want.reason || cited != want.consent) {
          ++wrong_reasons;
          if (wrong_reasons <= 10) {
            ADD_FAILURE() << "seed " << s << ", " << subject.id << " (born "
                          << (subject.born ? subject.born->iso() : "unknown") << "), record "
                          << facts.categories.codes() << ", purpose " << purpose << ": got "
                          << outcome_code(got.outcome) << "/" << reason_code(got.reason) << " " << cited
                          << ", want " << outcome_code(want.outcome) << "/" << reason_code(want.reason) << " "
                          << want.consent << " — " << explain(request, facts, got);
          }
        }
      }
    }
  }
  EXPECT_EQ(false_permits, 0);
  EXPECT_EQ(false_denials, 0);
  EXPECT_EQ(wrong_reasons, 0);
  // The generator must reach every rule, or agreement would prove little.
  for (const char* reason :
       {"consent", "statutory", "not_personal", "outside_jurisdiction", "no_consent", "refused", "consent_inactive",
        "consent_withdrawn", "consent_expired", "consent_not_yet_valid", "recipient_not_covered",
        "purpose_not_covered", "category_not_covered", "separate_consent_required", "guardian_required"}) {
    EXPECT_GE(seen[reason], 20) << reason;
  }
  EXPECT_GE(decisions, 20'000);
  std::printf("generated subjects: %d decisions, seed %u;", decisions, s);
  for (const auto& [reason, count] : seen) std::printf(" %s=%d", reason.c_str(), count);
  std::printf("\n");
}

}  // namespace
}  // namespace kq::consent::testing
