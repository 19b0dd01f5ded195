// What records_from_documents hands the mapping engine besides the document: the arrival time as
// $received_at, and, for canonical records, the sender's organisation as the only one allowed.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gateway/pipeline/documents.hpp"

namespace kq::pipeline {
namespace {

namespace fs = std::filesystem;

class DocumentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kq-documents-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "arrival.yaml") << R"(mapping: arrival
version: "1"
source: {format: json}
records:
  visit:
    kind: encounter
    fields:
      person_id: {value: p1}
      encounter_class: outpatient
      dept: {from: /dept}
      period.start: $received_at
)";
    mappings_ = mapping::load_mapping_dir(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  RecordsOrErrors convert(const std::string& format, const std::string& payload, std::int64_t received_at_ms) {
    plugin_host::Inbound in;
    in.payload = payload;
    in.received_at_ms = received_at_ms;
    plugin_host::DecodedDocument document;
    document.format = format;
    document.body_is_payload = true;
    MappingContext context;
    context.mappings = mappings_.get();
    context.sender_org = "org-a";
    return records_from_documents({document}, in, context);
  }

  fs::path dir_;
  std::shared_ptr<const mapping::MappingSet> mappings_;
};

TEST_F(DocumentsTest, TheArrivalTimeIsReceivedAtInChinaTime) {
  const RecordsOrErrors out = convert("json", R"({"dept": "儿科"})", 1717201800000);  // 2024-06-01T00:30Z
  ASSERT_TRUE(out.errors.empty()) << out.errors.front().message;
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].body.at("period").at("start").as_string(), "2024-06-01T08:30:00.000+08:00");
}

TEST_F(DocumentsTest, ACanonicalRecordOfAnotherOrganisationIsRefused) {
  const RecordsOrErrors own = convert("canonical+json",
                                      R"({"kind": "organization", "id": "org-a", "name": "本院"})", 1);
  EXPECT_TRUE(own.errors.empty()) << own.errors.front().message;
  const RecordsOrErrors other = convert("canonical+json",
                                        R"([{"kind": "organization", "id": "org-b", "name": "他院"}])", 1);
  ASSERT_EQ(other.errors.size(), 1u);
  EXPECT_EQ(other.errors[0].path, "[0].org_id");
  EXPECT_EQ(other.errors[0].kind, core::ErrorKind::not_permitted);
  EXPECT_TRUE(other.records.empty());
}

}  // namespace
}  // namespace kq::pipeline
