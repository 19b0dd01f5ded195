// docs/canonical-model.md's reference part, written from the target schema so that the page a
// mapping's author reads is the table the compiler checks against (a unit test keeps it current).
#include <sstream>

#include "gateway/core/identifier_systems.hpp"
#include "gateway/mapping/compiler/target_schema.hpp"

namespace kq::mapping {

namespace {

constexpr int kMaxDepth = 8;  // the model nests three levels; this only guards the recursion

void describe_object(std::ostringstream& out, const ObjectType& type, const std::string& prefix,
                     const std::string& condition, int depth, std::string_view skip = {}) {
  if (depth > kMaxDepth) return;
  for (const TargetField& f : type.fields) {
    if (!skip.empty() && f.key == skip) continue;  // a variant's tag, listed once above it
    const std::string path = prefix + std::string(f.key) + (f.list ? "[]" : "");
    if (f.object == nullptr) {
      out << "| `" << path << "` | " << leaf_type_name(f.leaf) << (f.list ? ", list" : "") << " | " << condition
          << " |\n";
      continue;
    }
    const ObjectType& nested = *f.object;
    if (nested.variants.empty()) {
      describe_object(out, nested, path + ".", condition, depth + 1);
      continue;
    }
    // A tagged union: the discriminator picks which fields the rest of the object has.
    std::string tags;
    for (const auto& [tag, variant] : nested.variants) tags += (tags.empty() ? "`" : ", `") + std::string(tag) + "`";
    out << "| `" << path << "." << nested.discriminator << "` | code: " << tags << " | " << condition << " |\n";
    for (const auto& [tag, variant] : nested.variants) {
      const std::string when = "when `" + path + "." + std::string(nested.discriminator) + "` is `" +
                               std::string(tag) + "`";
      describe_object(out, *variant, path + ".", condition.empty() ? when : condition + "; " + when, depth + 1,
                      nested.discriminator);
    }
  }
}

}  // namespace

std::string target_schema_markdown() {
  std::ostringstream out;
  for (core::RecordKind kind : core::kAllRecordKinds) {
    out << "\n### `" << core::kind_name(kind) << "` (" << record_type(kind).name << ")\n\n"
        << "| field | takes | only |\n|---|---|---|\n";
    describe_object(out, record_type(kind), "", "", 0);
  }
  out << "\n### Identifier systems by name\n\n| name | URI |\n|---|---|\n";
  for (std::string_view name : identifier_system_names()) {
    out << "| `" << name << "` | `" << identifier_system_uri(name) << "` |\n";
  }
  out << "| `citizen-card:ISSUER` | `" << core::id_system::citizen_card("ISSUER") << "` (a city's citizen card) |\n"
      << "| `school-card:ISSUER` | `" << core::id_system::school_card("ISSUER") << "` (a school's card) |\n";
  out << "\n### Code systems by name\n\n| name | URI |\n|---|---|\n";
  for (std::string_view name : code_system_names()) out << "| `" << name << "` | `" << code_system_uri(name) << "` |\n";
  return out.str();
}

}  // namespace kq::mapping
