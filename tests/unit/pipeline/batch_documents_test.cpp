// Batches (plugin ABI 1.3): the real pipeline with a real SQLite store and a real plugin
// (tests/plugins/batch_test_plugin.cpp) that sends each line of its payload on as a document of
// its own. What the plugin's receipt says and what the store holds are both checked.
#include <gtest/gtest.h>

#include <future>

#include <boost/asio/thread_pool.hpp>
#include <boost/json/parse.hpp>

#include "gateway/config/schema.hpp"
#include "gateway/log/log.hpp"
#include "gateway/pipeline/pipeline.hpp"
#include "gateway/plugin_host/config_fields.hpp"
#include "../store/store_test_support.hpp"

namespace kq::pipeline {
namespace {

namespace json = boost::json;

constexpr const char* kOrgA = R"({"kind":"organization","id":"org-a","name":"School A"})";
constexpr const char* kOrgB = R"({"kind":"organization","id":"org-b","name":"School B"})";
constexpr const char* kNoName = R"({"kind":"organization","id":"org-c"})";

class BatchDocuments : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_ = open();
    auto loaded = plugin_host::load_plugin_library(std::string(KQ_TEST_PLUGIN_DIR) + "/test_batch.so",
                                                   plugin_host::host_api());
    ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const plugin_host::PluginLibrary>>(loaded))
        << std::get<plugin_host::LoadError>(loaded).message;
    auto lib = std::get<std::shared_ptr<const plugin_host::PluginLibrary>>(loaded);
    std::vector<config::ConfigError> errors;
    auto block = config::validate_block(YAML::Load("{}"), plugin_host::to_config_fields(lib->fields()),
                                        config::SourceLocation{"adapter.yaml", 1, 1}, "adapter.yaml", errors);
    adapter_ = plugin_host::AdapterInstance::create("terminals", lib, block);
    pipeline_ = std::make_unique<Pipeline>(*store_, pool_, metrics_, [] { return nullptr; });
  }
  void TearDown() override {
    pipeline_.reset();
    pool_.join();
    store_->shutdown();
  }

  // Sends `payload` and returns the plugin's JSON receipt.
  json::object send(const std::string& payload, const std::string& key) {
    plugin_host::Inbound in;
    in.adapter = "terminals";
    in.channel = "/batch";
    in.method = "POST";
    in.payload = payload;
    in.idempotency_key = key;
    in.received_at_ms = 1733500000000;
    std::promise<plugin_host::AckReply> reply;
    pipeline_->ingest(adapter_, in, [&reply](plugin_host::AckReply r) { reply.set_value(std::move(r)); });
    const plugin_host::AckReply got = reply.get_future().get();
    json::value v = json::parse(got.body);
    return v.as_object();
  }

  static std::string lines(std::initializer_list<std::string> items) {
    std::string out;
    for (const std::string& i : items) out += i + "\n";
    return out;
  }

  boost::asio::thread_pool pool_{2};
  metrics::Registry metrics_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<const plugin_host::AdapterInstance> adapter_;
  std::unique_ptr<Pipeline> pipeline_;
};

TEST_F(BatchDocuments, BadDocumentsAreRejectedAloneAndKeptWithThePayload) {
  const json::object receipt = send(lines({kOrgA, "BAD not a record", kNoName, kOrgB}), "batch-1");
  EXPECT_EQ(receipt.at("kind").as_int64(), KQ_OUTCOME_COMMITTED);
  EXPECT_TRUE(receipt.at("independent").as_bool());
  const json::array& documents = receipt.at("documents").as_array();
  ASSERT_EQ(documents.size(), 4u);
  EXPECT_TRUE(documents[0].at("accepted").as_bool());
  EXPECT_EQ(documents[0].at("records").as_int64(), 1);
  EXPECT_FALSE(documents[1].at("accepted").as_bool());
  EXPECT_EQ(documents[1].at("errors").as_int64(), 1);
  EXPECT_FALSE(documents[2].at("accepted").as_bool());
  EXPECT_TRUE(documents[3].at("accepted").as_bool());
  // The errors name their documents: the plugin's own (2) and the validation's (3).
  const json::array& errors = receipt.at("errors").as_array();
  ASSERT_GE(errors.size(), 2u);
  EXPECT_EQ(errors[0].at("document").as_int64(), 2);
  EXPECT_EQ(errors[0].at("reason").as_string(), "not a record");
  for (std::size_t i = 1; i < errors.size(); ++i) EXPECT_EQ(errors[i].at("document").as_int64(), 3);

  // One message, accepted, with the two good records (and their provenance) and the errors of
  // the two bad documents as its dead letter.
  const std::string message_id(receipt.at("message_id").as_string());
  auto reader = store_->reader();
  const auto message = reader->message(message_id);
  ASSERT_TRUE(message);
  EXPECT_EQ(message->message.status, store::MessageStatus::accepted);
  std::size_t organisations = 0;
  for (const store::StoredRecord& r : reader->records_of_message(message_id)) organisations += r.kind == "organization";
  EXPECT_EQ(organisations, 2u);
  EXPECT_TRUE(reader->record("org-a"));
  EXPECT_TRUE(reader->record("org-b"));
  EXPECT_FALSE(reader->record("org-c"));
  const auto dead = reader->dead_letters_of_message(message_id);
  ASSERT_EQ(dead.size(), 1u);
  const json::array stored_errors = json::parse(dead[0].errors_json).as_array();
  EXPECT_EQ(stored_errors[0].at("document").as_int64(), 2);
  EXPECT_EQ(stored_errors.back().at("document").as_int64(), 3);
}

TEST_F(BatchDocuments, AnIdenticalResendIsADuplicateWithTheOriginalFigures) {
  const std::string payload = lines({kOrgA, "BAD broken", kOrgB});
  const json::object first = send(payload, "batch-2");
  const json::object again = send(payload, "batch-2");
  EXPECT_EQ(again.at("kind").as_int64(), KQ_OUTCOME_DUPLICATE);
  EXPECT_EQ(again.at("message_id"), first.at("message_id"));
  EXPECT_EQ(again.at("documents"), first.at("documents"));
  EXPECT_EQ(again.at("errors"), first.at("errors"));
  EXPECT_EQ(store_->reader()->row_counts().at("raw_message"), 1);
}

TEST_F(BatchDocuments, ABatchWithNothingAcceptedIsADeadLetter) {
  const json::object receipt = send(lines({"BAD one", kNoName}), "batch-3");
  EXPECT_EQ(receipt.at("kind").as_int64(), KQ_OUTCOME_CONTENT_ERROR);
  EXPECT_EQ(receipt.at("documents").as_array().size(), 2u);
  const auto message = store_->reader()->message(std::string(receipt.at("message_id").as_string()));
  ASSERT_TRUE(message);
  EXPECT_EQ(message->message.status, store::MessageStatus::dead_letter);
  EXPECT_EQ(store_->reader()->row_counts().at("record"), 0);
}

TEST_F(BatchDocuments, AnErrorAboutTheWholeBatchKeepsEveryDocumentOut) {
  const json::object receipt = send(lines({"WHOLE record count does not match", kOrgA}), "batch-4");
  EXPECT_EQ(receipt.at("kind").as_int64(), KQ_OUTCOME_CONTENT_ERROR);
  EXPECT_EQ(receipt.at("errors").as_array().at(0).at("document").as_int64(), 0);
  EXPECT_EQ(store_->reader()->row_counts().at("record"), 0);
}

TEST_F(BatchDocuments, SequenceNumbersReportGapsLateArrivalsAndReplays) {
  auto seq = [&](int n, const std::string& key, const char* record = kOrgA) {
    json::object r = send(lines({"SEQ T-01 " + std::to_string(n), record}), key);
    return r.at("sequences").as_array().at(0).as_object();
  };
  json::object s = seq(5, "k5");
  EXPECT_TRUE(s.at("first").as_bool());
  EXPECT_EQ(s.at("gap_first").as_int64(), 0);
  s = seq(6, "k6");
  EXPECT_FALSE(s.at("first").as_bool());
  EXPECT_EQ(s.at("previous").as_int64(), 5);
  EXPECT_EQ(s.at("gap_first").as_int64(), 0);
  s = seq(9, "k9");
  EXPECT_EQ(s.at("previous").as_int64(), 6);
  EXPECT_EQ(s.at("gap_first").as_int64(), 7);
  EXPECT_EQ(s.at("gap_last").as_int64(), 8);
  s = seq(7, "k7");
  EXPECT_TRUE(s.at("late").as_bool());
  EXPECT_EQ(s.at("gap_first").as_int64(), 0);
  // Number 6 again with other content: a replay, naming the message that carried 6 first.
  const json::object six = send(lines({"SEQ T-01 6", kOrgA}), "k6");  // the original, again
  EXPECT_EQ(six.at("kind").as_int64(), KQ_OUTCOME_DUPLICATE);
  s = seq(6, "k6-other", kOrgB);
  EXPECT_EQ(s.at("replay_of").as_string(), six.at("message_id").as_string());
  // A resend of 9 is answered with what was found when 9 arrived.
  s = send(lines({"SEQ T-01 9", kOrgA}), "k9").at("sequences").as_array().at(0).as_object();
  EXPECT_EQ(s.at("gap_first").as_int64(), 7);
  EXPECT_EQ(s.at("gap_last").as_int64(), 8);
  // Another stream has its own numbers.
  s = send(lines({"SEQ T-02 9", kOrgA}), "t2-9").at("sequences").as_array().at(0).as_object();
  EXPECT_TRUE(s.at("first").as_bool());
  // Every number that arrived is kept once, duplicates not again.
  EXPECT_EQ(store_->reader()->row_counts().at("sequence_number"), 6);
}

}  // namespace
}  // namespace kq::pipeline
