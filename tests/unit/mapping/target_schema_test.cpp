// The compiler's table of canonical targets must agree with core's typed model: every path in
// the table, written into a record of its kind, must be read back by core without an "unknown
// key" or type error. A model change that the table misses fails here, not in production.
#include <gtest/gtest.h>

#include "gateway/core/record_setters.hpp"

#include <functional>

#include <boost/json.hpp>

#include "gateway/core/json_codec.hpp"
#include "gateway/core/record.hpp"
#include "gateway/mapping/compiler/target_schema.hpp"

namespace kq::mapping {
namespace {

namespace json = boost::json;

json::value sample(LeafType type) {
  switch (type) {
    case LeafType::number: return 1.5;
    case LeafType::integer: return 1;
    case LeafType::boolean: return true;
    case LeafType::date: return "2020-01-02";
    case LeafType::datetime: return "2020-01-02T03:04+08:00";
    default: return "x";
  }
}

struct Probe {
  std::string path;   // "identifiers[0].value"
  json::object body;  // the record with only that path set
};

// Builds one probe per leaf: `wrap` puts a value at the current position in a whole body.
void probes(const ObjectType& type, const std::string& prefix,
            const std::function<json::object(json::value)>& wrap, std::vector<Probe>& out) {
  if (!type.discriminator.empty()) {
    for (const auto& [tag, variant] : type.variants) {
      const std::string variant_tag(tag);
      probes(*variant, prefix,
             [&wrap, variant_tag](json::value inner) {
               inner.as_object()["type"] = variant_tag;
               return wrap(std::move(inner));
             },
             out);
    }
    return;
  }
  for (const TargetField& field : type.fields) {
    const std::string key(field.key);
    const std::string path = (prefix.empty() ? key : prefix + "." + key) + (field.list ? "[0]" : "");
    auto place = [&wrap, key, list = field.list](json::value v) {
      json::object o;
      if (list) {
        json::array a;
        a.push_back(std::move(v));
        o[key] = std::move(a);
      } else {
        o[key] = std::move(v);
      }
      return wrap(json::value(std::move(o)));
    };
    if (field.object) {
      probes(*field.object, path, place, out);
    } else {
      out.push_back({path, place(sample(field.leaf))});
    }
  }
}

TEST(TargetSchema, EveryTargetPathIsAFieldOfCoresModel) {
  std::size_t checked = 0;
  for (core::RecordKind kind : core::kAllRecordKinds) {
    std::vector<Probe> all;
    probes(record_type(kind), "", [](json::value v) { return std::move(v.as_object()); }, all);
    ASSERT_FALSE(all.empty());
    for (const Probe& probe : all) {
      const core::EnvelopeResult result = core::envelope_from_body(kind, json::value(probe.body));
      for (const core::FieldError& e : result.errors) {
        const bool shape_error = e.message.find("unknown key") != std::string::npos ||
                                 (e.message.rfind("expected", 0) == 0 && e.message.find(", got ") != std::string::npos) ||
                                 e.message.find("unknown value type") != std::string::npos;
        EXPECT_FALSE(shape_error) << core::kind_name(kind) << " " << probe.path << ": " << e.path << ": " << e.message
                                  << "\n  body: " << json::serialize(probe.body);
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 200u);
}

// apply() sets each field through the member of core's setter table of the same name
// (bind_setters): every target of the table must be such a member, of the same shape, all the
// way down, and a tagged union must be a member core reads from JSON. (Core may have members
// no mapping writes, such as a provenance record's lineage.)
// The kind of value a leaf of this type is converted to before it is set.
core::setters::LeafValue::Kind kind_taken_by(LeafType type) {
  using K = core::setters::LeafValue::Kind;
  switch (type) {
    case LeafType::number: return K::number;
    case LeafType::integer: return K::integer;
    case LeafType::boolean: return K::boolean;
    case LeafType::date: return K::date;
    case LeafType::datetime: return K::datetime;
    default: return K::text;
  }
}

void expect_bound(const ObjectType& type, const core::setters::Type& setters, const std::string& where) {
  for (const TargetField& field : type.fields) {
    const std::string path = where + "." + std::string(field.key);
    const core::setters::Member* found = setters.find(field.key);
    ASSERT_NE(found, nullptr) << path << " is not a member of core's " << setters.name;
    const core::setters::Member& member = *found;
    if (field.object == nullptr) {
      EXPECT_EQ(member.shape, field.list ? core::setters::Shape::leaf_list : core::setters::Shape::leaf) << path;
      // The kind of value apply() converts to (leaf_values.cpp) is the kind the member takes:
      // a number set into an integer member would be read as the wrong alternative.
      EXPECT_EQ(member.takes, kind_taken_by(field.leaf))
          << path << " is " << leaf_type_name(field.leaf) << " in the mapping, another kind in core";
    } else if (!field.object->variants.empty()) {
      EXPECT_EQ(member.shape, core::setters::Shape::tagged) << path;
    } else {
      EXPECT_EQ(member.shape, field.list ? core::setters::Shape::object_list : core::setters::Shape::object) << path;
      if (member.type != nullptr) expect_bound(*field.object, *member.type, path);
    }
  }
}

TEST(TargetSchema, EveryTargetIsAMemberOfCoresRecord) {
  for (core::RecordKind kind : core::kAllRecordKinds) {
    expect_bound(record_type(kind), core::setters::record_type(kind), std::string(core::kind_name(kind)));
  }
}

TEST(TargetSchema, TheProbeWouldSeeAnUnknownKey) {
  json::object body;
  body["nickname"] = "x";
  const auto result = core::envelope_from_body(core::RecordKind::person, json::value(body));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].message.find("unknown key"), std::string::npos);
}

TEST(TargetSchema, RegistryNamesResolveToTheCoreSystems) {
  EXPECT_EQ(identifier_system_uri("cn-resident-id"), "urn:oid:2.16.156.10011.1.3");
  EXPECT_EQ(identifier_system_uri("hospital-mrn"), "urn:oid:2.16.156.10011.1.13");
  EXPECT_EQ(code_system_uri("loinc"), "http://loinc.org");
  EXPECT_TRUE(identifier_system_uri("loinc").empty());
}

}  // namespace
}  // namespace kq::mapping
