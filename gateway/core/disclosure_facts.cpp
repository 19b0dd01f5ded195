#include "gateway/core/disclosure_facts.hpp"

#include <string_view>

#include "gateway/core/dates.hpp"

namespace kq::core {

namespace {

struct DayField {
  RecordKind kind;
  std::string_view key;
  std::string_view member;  // inside an object (period.start), or empty
};

constexpr DayField kDayFields[] = {
    {RecordKind::observation, "effective_time", ""},
    {RecordKind::encounter, "period", "start"},
    {RecordKind::fitness_test, "test_date", ""},
    {RecordKind::vision_screening, "date", ""},
    {RecordKind::mental_health_screening, "administered_at", ""},
    {RecordKind::diagnosis, "recorded_at", ""},
    {RecordKind::procedure, "performed_date", ""},
    {RecordKind::inpatient_summary, "admitted_at", ""},
    {RecordKind::enrollment, "period", "start"},
    {RecordKind::consent, "granted_at", ""},
    {RecordKind::provenance, "received_at", ""},
    {RecordKind::audit_event, "recorded_at", ""},
};

const boost::json::value* at_path(const boost::json::object& body, std::string_view key, std::string_view member) {
  const boost::json::value* v = body.if_contains(key);
  if (v == nullptr || member.empty()) return v;
  const boost::json::object* o = v->if_object();
  return o ? o->if_contains(member) : nullptr;
}

// FNV-1a, 64 bits: a fingerprint of tables, not a security measure.
class Fingerprint {
 public:
  void add(std::string_view text) {
    for (unsigned char c : text) mix(c);
    mix(0xff);  // a separator, so that "ab"+"c" and "a"+"bc" differ
  }
  void add(std::uint64_t number) {
    for (int i = 0; i < 8; ++i) mix(static_cast<unsigned char>(number >> (8 * i)));
  }
  std::int64_t positive() const {
    const auto folded = static_cast<std::int64_t>(hash_ & 0x7fff'ffff'ffff'ffffULL);
    return folded == 0 ? 1 : folded;
  }

 private:
  void mix(unsigned char c) {
    hash_ ^= c;
    hash_ *= 0x100000001b3ULL;
  }
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

std::int64_t compute_version() {
  Fingerprint f;
  static const boost::json::object kEmpty;
  for (RecordKind kind : kAllRecordKinds) {
    f.add(kind_name(kind));
    f.add(categories_of(kind, kEmpty).bits());
  }
  for (const CategoryRule& rule : data_category_rules()) {
    f.add(kind_name(rule.kind));
    f.add(rule.field);
    f.add(rule.match);
    f.add(rule.value);
    f.add(static_cast<std::uint64_t>(rule.category));
  }
  for (const DayField& day : kDayFields) {
    f.add(kind_name(day.kind));
    f.add(day.key);
    f.add(day.member);
  }
  return f.positive();
}

}  // namespace

std::optional<std::int64_t> record_day(RecordKind kind, const boost::json::object& body) {
  for (const DayField& f : kDayFields) {
    if (f.kind != kind) continue;
    const boost::json::value* v = at_path(body, f.key, f.member);
    const boost::json::string* text = v ? v->if_string() : nullptr;
    if (text == nullptr) return std::nullopt;
    std::string_view date(*text);
    date = date.substr(0, date.find('T'));  // the wall-clock date of a date-time
    auto parsed = PartialDate::parse_iso(date);
    if (!parsed) return std::nullopt;
    return parsed->first_day_number();
  }
  return std::nullopt;
}

DisclosureFacts disclosure_facts(RecordKind kind, const boost::json::object& body) {
  return {categories_of(kind, body), record_day(kind, body)};
}

std::int64_t disclosure_facts_version() {
  static const std::int64_t version = compute_version();
  return version;
}

}  // namespace kq::core
