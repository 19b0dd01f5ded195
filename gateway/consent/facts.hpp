#pragma once
// What a decision reads, prepared so that the decision itself is a few comparisons: the terms of
// each consent (dates as day numbers, categories as a bit set), what matters about the subject
// (until when it is a minor), and what matters about the record (categories, subject, places,
// the day it describes). Building these is pure too; reading them from the store is page.hpp.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gateway/consent/jurisdiction.hpp"
#include "gateway/core/data_category.hpp"
#include "gateway/core/model.hpp"
#include "gateway/core/record_kind.hpp"

namespace kq::consent {

inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t kAlways = std::numeric_limits<std::int64_t>::min();

// One consent as the rules read it. Partial dates are read on the safe side: a period starting
// "2024-09" starts on its last possible day and one ending "2025" ends on its first.
struct ConsentTerms {
  enum class State : std::uint8_t {
    active,
    withdrawn,  // status withdrawn, or a withdrawal time set
    expired,    // status expired
    inactive,   // draft
    refusal,    // status rejected: the subject (or guardian) said no to what it names
  };
  std::string id;
  std::int64_t version = 0;
  State state = State::inactive;
  bool by_consent = true;  // lawful_basis is consent; other bases are declared as statutory flows
  bool separate = false;   // 单独同意 (PIPL art. 29)
  bool grantor_is_guardian = false;
  bool unreadable = false;  // the stored body could not be read: treated as a refusal of everything
  std::int64_t granted_ms = kAlways;          // UTC; kAlways when unknown
  std::optional<std::int64_t> grant_day;      // day of the grant (or of the period start), for the age rule
  std::int64_t valid_from_day = kAlways;      // the period, inclusive
  std::int64_t valid_to_day = kNever;
  std::vector<std::string> purposes;
  std::vector<std::string> recipient_orgs;
  std::vector<std::string> recipient_roles;  // "guardian" for role:guardian
  core::CategorySet categories;
  bool all_categories = false;  // a refusal naming a category this build does not know: refuses every one
  // When it was expressed, to order a refusal against a consent (later wins, refusal on a tie):
  // the grant time, else the start of the period, else unknown — kAlways for a consent, kNever
  // for a refusal, so an undated refusal is never overtaken.
  std::int64_t expressed_ms = kAlways;
};

// Reads a stored consent (structure only: a consent stored before today's validation rules is
// still read, on the safe side). `body_json` that cannot be read gives an `unreadable` term.
ConsentTerms consent_terms(const core::Consent& consent, std::int64_t version);
ConsentTerms consent_terms_from_json(std::string_view id, std::int64_t version, std::string_view body_json);

struct SubjectFacts {
  // The first day on which the subject is surely guardian_age or older; kNever when the birth
  // date is unknown (then the subject is treated as a minor throughout).
  std::int64_t adult_from_day = kNever;
  std::vector<ConsentTerms> consents;  // the current version of each, ordered by id
};

// Subject person id → facts, for the subjects of one page.
using SubjectTable = std::unordered_map<std::string, SubjectFacts>;

struct RecordFacts {
  core::RecordKind kind = core::RecordKind::person;
  // False when the stored kind or body could not be read: its categories are then unknown, and
  // a guess could be a psychiatric diagnosis read as a plain one.
  bool readable = true;
  core::CategorySet categories;
  std::string subject;                      // person id; empty when the record names none
  std::optional<std::int64_t> day;          // the earliest day it describes, for the minor rule
  Places places;
};

}  // namespace kq::consent
