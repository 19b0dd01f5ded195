#pragma once
// People, organisations and the enrolment that links a student to a school.
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/model_common.hpp"
#include "gateway/core/record_kind.hpp"

namespace kq::core {

struct Address {
  std::optional<std::string> use;         // "home" | "household" (户籍) | "current"
  std::optional<std::string> admin_code;  // GB/T 2260, 6, 9 or 12 digits
  std::optional<std::string> text;
  bool operator==(const Address&) const = default;
};

struct Telecom {
  std::string system;  // "phone" | "email" | …
  std::string value;
  std::optional<std::string> use;  // "home" | "mobile" | "work"
  bool operator==(const Telecom&) const = default;
};

// A related person: for students mostly a parent, who is often the one who grants consent.
struct Contact {
  std::optional<std::string> relationship;  // GB/T 4761 family relationship code
  std::optional<HumanName> name;
  std::vector<Telecom> telecom;
  bool is_guardian = false;
  std::optional<std::string> person_id;  // when the contact is also a Person in the gateway
  bool operator==(const Contact&) const = default;
};

// → FHIR Patient. The record's id is the gateway person id that other records use as person_id.
struct Person {
  static constexpr RecordKind kKind = RecordKind::person;
  std::string id;
  std::vector<Identifier> identifiers;
  // ADT^A40 merge: identifiers of a prior person record that is merged into this one. The store
  // links the two persons in its identity index; nothing of the prior person is deleted.
  std::vector<Identifier> merged_identifiers;
  std::optional<HumanName> name;
  std::optional<std::string> sex;  // GB/T 2261.1 code
  std::optional<PartialDate> birth_date;
  std::optional<std::string> ethnicity;       // GB/T 3304
  std::optional<std::string> nationality;     // GB/T 2659
  std::optional<std::string> marital_status;  // GB/T 2261.2
  std::optional<std::string> occupation;      // GB/T 6565
  std::vector<Address> addresses;
  std::vector<Telecom> telecom;
  std::vector<Contact> contacts;
  std::optional<bool> deceased;
  std::optional<DateTime> deceased_at;
  bool operator==(const Person&) const = default;
};

// → FHIR Organization: a school, a grade or class (part_of the school), a hospital or a
// department, a CDC, an authority. The record's id is the org_id other records refer to.
struct Organization {
  static constexpr RecordKind kKind = RecordKind::organization;
  std::string id;
  std::vector<Identifier> identifiers;
  std::string name;
  std::optional<std::string> type;        // "school" | "class" | "hospital" | "dept" | "cdc" | …
  std::optional<std::string> admin_code;  // GB/T 2260
  std::optional<std::string> part_of;     // org_id of the parent
  std::optional<bool> active;
  bool operator==(const Organization&) const = default;
};

// 学籍 / 在校关系: a student at a school in one academic year. Statistics by school, grade and
// class run on enrolment history, because a person changes school and class over the years.
struct Enrollment {
  static constexpr RecordKind kKind = RecordKind::enrollment;
  std::string id;
  std::string person_id;
  std::string org_id;  // the school
  std::optional<std::string> grade;          // 年级编号, e.g. "11" for primary grade 1
  std::optional<std::string> class_id;       // org_id of the class when classes are Organizations
  std::optional<std::string> class_name;
  std::optional<std::string> academic_year;  // "2024-2025"
  std::optional<std::string> term;
  std::optional<std::string> student_no;     // 学籍号 as the source sent it
  std::optional<std::string> status;         // 在读 | 转出 | 休学 | 毕业 (source wording kept)
  std::optional<DatePeriod> period;
  bool operator==(const Enrollment&) const = default;
};

}  // namespace kq::core
