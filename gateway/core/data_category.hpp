#pragma once
// Data categories: what kind of personal information a record is, in the terms consents and
// statutory flows are written in ("vision", "mental_health", …), each placed in one of the six
// classes of GB/T 39725-2020 §6.1 with a level on its five-level scale (§6.2), and marked
// sensitive where PIPL art. 28 makes it so (medical and health information).
//
// Every record falls into one or more categories, decided from its kind and, where it matters,
// from a code in it (a psychiatric diagnosis is also mental_health; a survey observation is
// mental_health). A disclosure must be covered for every category of the record, so a finer
// category never widens what a consent allows. The tables are data in data_category.cpp; the
// reference in docs/consent.md is generated from them.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "gateway/core/record_kind.hpp"

namespace kq::core {

enum class DataCategory : std::uint8_t {
  demographics,
  enrollment,
  organization,
  encounter,
  health_exam,
  physical_fitness,
  vision,
  mental_health,
  laboratory,
  diagnosis,
  special_condition,
  procedure,
  inpatient_summary,
  consent_record,
  provenance,
  audit_trail,
};
inline constexpr std::size_t kDataCategoryCount = 16;

// GB/T 39725-2020 §6.1: the six classes of health and medical data.
enum class HealthDataClass : std::uint8_t {
  personal_attributes,   // 个人属性数据
  health_status,         // 健康状况数据
  medical_application,   // 医疗应用数据
  medical_payment,       // 医疗支付数据
  health_resources,      // 卫生资源数据
  public_health,         // 公共卫生数据
};
std::string_view class_name(HealthDataClass c);     // "personal_attributes", …
std::string_view class_name_zh(HealthDataClass c);  // "个人属性数据", …

struct DataCategoryInfo {
  DataCategory category;
  std::string_view code;  // as consents and the configuration write it
  std::string_view name_zh;
  HealthDataClass gbt39725_class;
  int level;       // 1 (public) … 5 (strictly limited), on the GB/T 39725 §6.2 scale
  bool sensitive;  // PIPL art. 28/29: disclosed on consent only with a separate consent
  bool personal;   // false: not information about a person, so no consent is involved
  std::string_view description;
};

std::span<const DataCategoryInfo> data_category_table();  // in enum order
const DataCategoryInfo& describe(DataCategory category);
std::optional<DataCategory> parse_data_category(std::string_view code);
std::string data_category_codes();  // "demographics, enrollment, …" for error messages

// A set of categories, small enough to copy and compare in one instruction.
class CategorySet {
 public:
  constexpr CategorySet() = default;
  constexpr CategorySet(std::initializer_list<DataCategory> categories) {
    for (DataCategory c : categories) add(c);
  }
  constexpr void add(DataCategory c) { bits_ |= bit(c); }
  constexpr bool contains(DataCategory c) const { return (bits_ & bit(c)) != 0; }
  // Every category of `other` is in this set.
  constexpr bool covers(CategorySet other) const { return (other.bits_ & ~bits_) == 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr std::uint32_t bits() const { return bits_; }
  // The set whose bits() these are (as the store keeps them).
  static constexpr CategorySet from_bits(std::uint32_t bits) {
    CategorySet set;
    set.bits_ = bits;
    return set;
  }
  constexpr bool operator==(const CategorySet&) const = default;
  // Any category in the set is sensitive / is about a person.
  bool any_sensitive() const;
  bool any_personal() const;
  std::string codes() const;  // "diagnosis,mental_health" in enum order

 private:
  static constexpr std::uint32_t bit(DataCategory c) { return 1u << static_cast<unsigned>(c); }
  std::uint32_t bits_ = 0;
};

// The categories of a record of `kind` with this body. Reads only what the rules need (an
// observation's category and code, a diagnosis's code); never empty.
CategorySet categories_of(RecordKind kind, const boost::json::object& body);

// One classification rule, for the generated reference: "a <kind> whose <field> <matches>
// <value> is also <category>".
struct CategoryRule {
  RecordKind kind;
  std::string_view field;  // "category", "code.code"
  std::string_view match;  // "is", "starts with", "other or absent"
  std::string_view value;
  DataCategory category;
  std::string_view why;
};
std::span<const CategoryRule> data_category_rules();

}  // namespace kq::core
