// The provenance records the pipeline adds to every mapped message, with the shipped mappings:
// which mapping version made which records, and (with mappings.lineage) where each field came from.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <fstream>
#include <sstream>

#include "gateway/core/record_kind.hpp"
#include "gateway/pipeline/documents.hpp"

namespace kq::pipeline {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(KQ_SOURCE_DIR) + "/tests/fixtures/hl7v2/" + name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

RecordsOrErrors map_adt(bool field_lineage) {
  static const auto mappings = mapping::load_mapping_dir(std::string(KQ_SOURCE_DIR) + "/mappings");
  plugin_host::Inbound in;
  in.payload = fixture("adt_a01.hl7");
  plugin_host::DecodedDocument document;
  document.format = "hl7v2";
  document.body_is_payload = true;
  MappingContext context;
  context.mappings = mappings.get();
  context.sender_org = "org-h001";
  context.field_lineage = field_lineage;
  RecordsOrErrors out = records_from_documents({document}, in, context);
  add_provenance(out, MessageOrigin{"hospital-a@his", 1726108215000, "HIS|BJHD001|C1", "ab12"});
  return out;
}

const store::RecordEnvelope& only_provenance(const RecordsOrErrors& out) {
  const store::RecordEnvelope* found = nullptr;
  for (const auto& r : out.records) {
    if (r.kind != core::kind_name(core::RecordKind::provenance)) continue;
    EXPECT_EQ(found, nullptr) << "more than one provenance record";
    found = &r;
  }
  if (found == nullptr) throw std::runtime_error("no provenance record");
  return *found;
}

TEST(Provenance, NamesTheMappingTheRecordsAndTheSourceOfEachField) {
  const RecordsOrErrors out = map_adt(true);
  ASSERT_TRUE(out.errors.empty()) << out.errors.front().message;
  const auto& p = only_provenance(out).body;
  EXPECT_EQ(p.at("mapping_name").as_string(), "his-adt");
  EXPECT_EQ(p.at("channel").as_string(), "hl7v2");
  EXPECT_EQ(p.at("source_system").as_string(), "hospital-a@his");
  EXPECT_EQ(p.at("message_id").as_string(), "HIS|BJHD001|C1");
  // Every other record is a target, by its id; the one person is the provenance's person.
  const auto& targets = p.at("target_ids").as_array();
  ASSERT_EQ(targets.size(), out.records.size() - 1);
  std::size_t person = targets.size();
  for (std::size_t i = 0; i < targets.size(); ++i) {
    EXPECT_EQ(targets[i].as_string(), out.records[i].id);
    if (out.records[i].kind == "person") person = i;
  }
  ASSERT_LT(person, targets.size());
  EXPECT_EQ(p.at("person_id").as_string(), out.records[person].id);
  // One object from target path to source place, in the order the fields were mapped.
  const auto& lineage = p.at("lineage").as_object();
  const std::string name = "target_ids[" + std::to_string(person) + "].name.text";
  ASSERT_NE(lineage.if_contains(name), nullptr) << boost::json::serialize(lineage);
  EXPECT_EQ(lineage.at(name).as_string(), "PID-5.2");
  EXPECT_EQ(lineage.begin()->key().substr(0, 11), "target_ids[");
}

TEST(Provenance, WithoutFieldLineageStillNamesTheMappingAndRecords) {
  const RecordsOrErrors out = map_adt(false);
  ASSERT_TRUE(out.errors.empty());
  const auto& p = only_provenance(out).body;
  EXPECT_EQ(p.at("mapping_name").as_string(), "his-adt");
  EXPECT_EQ(p.at("target_ids").as_array().size(), out.records.size() - 1);
  const auto* lineage = p.if_contains("lineage");
  EXPECT_EQ(lineage, nullptr);
}

}  // namespace
}  // namespace kq::pipeline
