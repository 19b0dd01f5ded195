#pragma once
// The shape of the canonical records as mapping targets: which keys each record kind has, which
// of them are lists or nested objects, and what kind of value each leaf takes.
//
// core's typed model is the authority (its JSON reader rejects unknown keys); this table is the
// mapping compiler's copy of it, kept in this one place and checked against core by a unit test
// that writes every path listed here into a record of its kind and lets core read it back.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/record_kind.hpp"

namespace kq::mapping {

// What a leaf accepts. The distinctions beyond JSON types let the compiler refuse mistakes that
// JSON would accept: a date written into `sex` is a string in JSON but not a code.
enum class LeafType {
  text,               // free text: anything can be written as text
  code,               // a code of some code list (sex, status, use …): text or a looked-up code
  id,                 // a record id: a `$record` reference or text
  identifier_system,  // Identifier.system: a URI or a registry name (resident-id, hospital-mrn …)
  code_system,        // Coding.system: a URI or a registry name (loinc, icd-10-cn …)
  number,
  integer,
  boolean,
  date,               // PartialDate, ISO text
  datetime,           // DateTime with offset, ISO text
};

std::string_view leaf_type_name(LeafType type);

struct ObjectType;

struct TargetField {
  std::string_view key;
  LeafType leaf = LeafType::text;        // when object == nullptr
  const ObjectType* object = nullptr;    // nested object (or variant object)
  bool list = false;
};

struct ObjectType {
  std::string_view name;  // the model's struct name, for messages
  std::vector<TargetField> fields;
  // A tagged union (Observation.value): `discriminator` is the key that names the alternative,
  // and each alternative is an ObjectType of its own. Empty for ordinary objects.
  std::string_view discriminator;
  std::vector<std::pair<std::string_view, const ObjectType*>> variants;

  const TargetField* find(std::string_view key) const;
  const ObjectType* variant(std::string_view tag) const;
  std::vector<std::string_view> keys() const;
};

// The body of a record of `kind`.
const ObjectType& record_type(core::RecordKind kind);

// The Coding object type: a looked-up code can fill any object of this type in one go.
const ObjectType& coding_type();

// Registry names usable instead of URIs in identifier and code systems:
// "resident-id" → urn:oid:2.16.156.10011.1.3. Empty when `name` is not one.
std::string_view identifier_system_uri(std::string_view name);
std::string_view code_system_uri(std::string_view name);
std::vector<std::string_view> identifier_system_names();
std::vector<std::string_view> code_system_names();

// A system as a mapping, a value set or a document gives it → the URI the record holds: a
// registry name becomes its URI (an identifier system also takes citizen-card:ISSUER and
// school-card:ISSUER), a bare OID gets urn:oid:, a URI stays as it is. An unknown name is refused (nullopt, `error` says
// why and lists the names) rather than written as-is, where core's checks of that system (the
// ICD-10 code form, the resident ID check digit) would not recognise it.
std::optional<std::string> resolve_system(bool identifier, std::string_view text, std::string& error);

// Every record kind's fields with what each takes, and the system names, as Markdown: the
// generated part of docs/canonical-model.md.
std::string target_schema_markdown();

}  // namespace kq::mapping
