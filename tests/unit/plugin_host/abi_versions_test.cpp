// Which host loads which plugin (docs/plugin-abi.md, "Compatibility"): real plugin libraries built
// against the 1.1 header, against the current one, and with structs larger than this host's.
#include <gtest/gtest.h>

#include <cstddef>

#include <kangqiao/plugin.h>

#include "gateway/config/schema.hpp"
#include "gateway/plugin_host/adapter.hpp"
#include "gateway/plugin_host/config_fields.hpp"

using namespace kq::plugin_host;

namespace {

std::string test_plugin(const std::string& name) { return std::string(KQ_TEST_PLUGIN_DIR) + "/" + name + ".so"; }
std::string shipped_plugin(const std::string& name) { return std::string(KQ_PLUGIN_DIR) + "/" + name + ".so"; }

std::shared_ptr<const PluginLibrary> load(const std::string& path, const kq_host_api* host = host_api()) {
  LoadResult r = load_plugin_library(path, host);
  if (auto* e = std::get_if<LoadError>(&r)) ADD_FAILURE() << path << ": " << e->message;
  return std::holds_alternative<LoadError>(r) ? nullptr : std::get<std::shared_ptr<const PluginLibrary>>(r);
}

std::shared_ptr<AdapterInstance> create(const std::shared_ptr<const PluginLibrary>& lib, const std::string& yaml) {
  std::vector<kq::config::ConfigError> errors;
  kq::config::SourceLocation where{"adapter.yaml", 1, 1};
  auto block = kq::config::validate_block(YAML::Load(yaml), to_config_fields(lib->fields()), where, "adapter.yaml",
                                          errors);
  for (const auto& e : errors) ADD_FAILURE() << e.str();
  return AdapterInstance::create("under-test", lib, block);
}

// The host table a gateway of ABI 1.0 hands out: the same functions, but only as far as 1.0 had
// them, and saying 1.0. A plugin keeps the table it was given, so tests that use it load the
// plugin again with the real table when they are done.
const kq_host_api* host_of_minor_0() {
  static const kq_host_api table = [] {
    kq_host_api t = *host_api();
    t.struct_size = static_cast<std::uint32_t>(offsetof(kq_host_api, add_mllp_route));
    t.abi_minor = 0;
    return t;
  }();
  return &table;
}

// The host table of a gateway of ABI 1.2: everything up to set_state, saying 1.2.
const kq_host_api* host_of_minor_2() {
  static const kq_host_api table = [] {
    kq_host_api t = *host_api();
    t.struct_size = static_cast<std::uint32_t>(offsetof(kq_host_api, set_document_mode));
    t.abi_minor = 2;
    return t;
  }();
  return &table;
}

}  // namespace

TEST(AbiVersions, ABatchPluginIsRefusedByA12HostAndLoadsOnThisOne) {
  // test_batch accepts documents one by one (1.3) and says it needs 1.3: a 1.2 gateway refuses
  // it at load time, naming both versions, instead of failing at its first batch.
  LoadResult refused = load_plugin_library(test_plugin("test_batch"), host_of_minor_2());
  ASSERT_TRUE(std::holds_alternative<LoadError>(refused));
  EXPECT_NE(std::get<LoadError>(refused).message.find("plugin needs ABI 1.3 or later, this gateway offers 1.2"),
            std::string::npos)
      << std::get<LoadError>(refused).message;
  auto lib = load(test_plugin("test_batch"));
  ASSERT_NE(lib, nullptr);
  EXPECT_EQ(lib->abi_minor(), 3u);
  EXPECT_EQ(lib->sdk_minor(), static_cast<unsigned>(KQ_PLUGIN_ABI_MINOR));  // built with this header
}

TEST(AbiVersions, PluginBuiltAgainstThe11HeaderLoadsAndWorks) {
  auto lib = load(test_plugin("test_mllp"));
  ASSERT_NE(lib, nullptr);
  EXPECT_EQ(lib->abi_minor(), 1u);
  EXPECT_EQ(lib->sdk_minor(), 1u);  // said nothing of its SDK: taken from its minor
  ASSERT_EQ(lib->fields().size(), 1u);
  EXPECT_EQ(lib->fields()[0].name, "organisation_prefix");
  EXPECT_EQ(lib->fields()[0].default_value, "org-");
  auto adapter = create(lib, "{}");
  ASSERT_NE(adapter, nullptr);
  EXPECT_TRUE(adapter->wants_mllp());

  Inbound in;
  in.transport = kq::core::Transport::mllp;
  in.payload = "MSH|^~\\&|HIS|H1|KQ|KQ|20260101||ADT^A01|CTRL-7|P|2.5\rPID|1||P123";
  DecodeResult decoded = adapter->decode(in);
  ASSERT_FALSE(decoded.rejection) << decoded.rejection->message;
  EXPECT_EQ(decoded.message_key, "HIS|H1|CTRL-7");
  ASSERT_EQ(decoded.documents.size(), 1u);
  EXPECT_EQ(decoded.documents[0].format, "canonical+json");

  Outcome outcome;
  outcome.kind = KQ_OUTCOME_CONTENT_ERROR;
  outcome.errors.push_back({"PID-3", "patient identifier is required", kq::core::ErrorKind::required});
  const AckReply reply = adapter->acknowledge(in, outcome, decoded);
  EXPECT_NE(reply.body.find("MSA|AE|CTRL-7"), std::string::npos) << reply.body;
  EXPECT_NE(reply.body.find("ERR|||||E|||PID-3: patient identifier is required"), std::string::npos) << reply.body;
}

TEST(AbiVersions, A11PluginSeesARejectionAsItsReasonOnly) {
  auto lib = load(test_plugin("test_mllp"));
  ASSERT_NE(lib, nullptr);
  auto adapter = create(lib, "{}");
  Inbound in;
  in.payload = "not HL7";
  DecodeResult decoded = adapter->decode(in);
  ASSERT_TRUE(decoded.rejection);
  Outcome outcome;
  outcome.kind = KQ_OUTCOME_REJECTED;
  outcome.reason = decoded.rejection->message;
  outcome.errors.push_back(*decoded.rejection);
  const AckReply reply = adapter->acknowledge(in, outcome, decoded);
  // As a 1.1 host told it: the reason in MSA-3, no errors (those were content errors only).
  EXPECT_NE(reply.body.find("MSA|AR||message does not start with MSH|"), std::string::npos) << reply.body;
  EXPECT_EQ(reply.body.find("ERR"), std::string::npos) << reply.body;
}

TEST(AbiVersions, StructsLargerThanTheHostsAreReadWithThePluginsSizes) {
  auto lib = load(test_plugin("test_future"));
  ASSERT_NE(lib, nullptr);
  EXPECT_EQ(lib->abi_minor(), 2u);
  EXPECT_EQ(lib->sdk_minor(), 6u);
  ASSERT_EQ(lib->fields().size(), 3u);
  EXPECT_EQ(lib->fields()[0].name, "greeting");
  EXPECT_EQ(lib->fields()[0].default_value, "hello");
  EXPECT_EQ(lib->fields()[1].name, "count");
  EXPECT_TRUE(lib->fields()[1].required);
  EXPECT_EQ(lib->fields()[1].min, 1);
  EXPECT_EQ(lib->fields()[1].max, 9);
  EXPECT_EQ(lib->fields()[2].name, "level");
  EXPECT_EQ(lib->fields()[2].enum_values, (std::vector<std::string>{"low", "high"}));
  EXPECT_NE(lib->vtable().on_decode, nullptr);
  auto adapter = create(lib, "count: 4");
  ASSERT_NE(adapter, nullptr);
  // Its hooks are called through its own (larger) vtable: it emits nothing and writes no reply.
  Inbound in;
  in.payload = "anything";
  DecodeResult decoded = adapter->decode(in);
  EXPECT_FALSE(decoded.rejection);
  EXPECT_TRUE(decoded.documents.empty());
  Outcome outcome;
  outcome.kind = KQ_OUTCOME_COMMITTED;
  EXPECT_TRUE(adapter->acknowledge(in, outcome, decoded).body.empty());
}

TEST(AbiVersions, A10HostLoadsWhatRequires10AndRefusesWhatNeedsMore) {
  // The example plugin is built with this SDK but requires only 1.0.
  auto echo = load(shipped_plugin("example_echo"), host_of_minor_0());
  ASSERT_NE(echo, nullptr);
  EXPECT_EQ(echo->abi_minor(), 0u);
  EXPECT_EQ(echo->sdk_minor(), static_cast<unsigned>(KQ_PLUGIN_ABI_MINOR));
  auto echo_adapter = create(echo, "path: /in");
  ASSERT_NE(echo_adapter, nullptr);
  // And it works there: decodes a push and answers with what the 1.0 outcome carries.
  Inbound in;
  in.transport = kq::core::Transport::http;
  in.method = "POST";
  in.content_type = "application/json";
  in.organisation = "org-1";
  in.idempotency_key = "k-1";
  in.payload = R"({"kind":"person"})";
  DecodeResult decoded = echo_adapter->decode(in);
  ASSERT_FALSE(decoded.rejection) << decoded.rejection->message;
  EXPECT_EQ(decoded.message_key, "k-1");
  ASSERT_EQ(decoded.documents.size(), 1u);
  EXPECT_EQ(decoded.documents[0].format, "canonical+json");
  Outcome outcome;
  outcome.kind = KQ_OUTCOME_COMMITTED;
  outcome.message_id = "m-1";
  outcome.record_ids = {"r-1"};
  const AckReply reply = echo_adapter->acknowledge(in, outcome, decoded);
  EXPECT_EQ(reply.http_status, 201);
  EXPECT_EQ(reply.body, R"({"message_id":"m-1","record_ids":["r-1"],"duplicate":false})");

  // his parses through the host (1.2): a 1.0 host refuses it at load, naming both versions.
  LoadResult his = load_plugin_library(shipped_plugin("his"), host_of_minor_0());
  ASSERT_TRUE(std::holds_alternative<LoadError>(his));
  EXPECT_NE(std::get<LoadError>(his).message.find("plugin needs ABI 1.2 or later, this gateway offers 1.0"),
            std::string::npos)
      << std::get<LoadError>(his).message;

  // A plugin that requires 1.0 but asks for MLLP (1.1) is stopped by the wrapper, with a reason.
  auto configurable = load(test_plugin("test_configurable"), host_of_minor_0());
  ASSERT_NE(configurable, nullptr);
  try {
    create(configurable, "port: 1\nmllp: true");
    ADD_FAILURE() << "create should have failed on a 1.0 host";
  } catch (const AdapterCreateError& e) {
    EXPECT_NE(std::string(e.what()).find("MLLP needs a gateway with plugin ABI 1.1; this gateway offers 1.0"),
              std::string::npos)
        << e.what();
  }

  // Back to this host's table for whatever runs next in this process.
  EXPECT_NE(load(shipped_plugin("example_echo")), nullptr);
  EXPECT_NE(load(test_plugin("test_configurable")), nullptr);
  EXPECT_NE(load(shipped_plugin("his")), nullptr);
}

namespace {

std::shared_ptr<AdapterInstance> configurable(const std::string& yaml) {
  auto lib = load(test_plugin("test_configurable"));
  return lib ? create(lib, yaml) : nullptr;
}

}  // namespace

TEST(HookConvention, StateKeptInDecodeReachesAcknowledgeAndIsReleasedAfterIt) {
  auto adapter = configurable("port: 1");
  ASSERT_NE(adapter, nullptr);
  Inbound in;
  in.payload = "12345";
  DecodeResult decoded = adapter->decode(in);
  Outcome outcome;
  outcome.kind = KQ_OUTCOME_COMMITTED;
  const AckReply reply = adapter->acknowledge(in, outcome, decoded);
  // alive=1: the state still existed while acknowledge ran; the host released it right after.
  EXPECT_NE(reply.body.find(" seen=5 alive=1"), std::string::npos) << reply.body;
  EXPECT_EQ(decoded.state.get(), nullptr);
  // A replay (reprocess) gets no acknowledgement: its state is released when decode returns.
  DecodeResult replayed = adapter->decode(in, /*replay=*/true);
  EXPECT_EQ(replayed.state.get(), nullptr);
  DecodeResult second = adapter->decode(in);
  outcome.kind = KQ_OUTCOME_DUPLICATE;
  EXPECT_NE(adapter->acknowledge(in, outcome, second).body.find(" alive=1"), std::string::npos);
}

TEST(HookConvention, AFailingDecodeIsAnInternalRejectionThatStillGetsAnAcknowledgement) {
  auto adapter = configurable("port: 1\nfail_decode: the lookup table is not loaded");
  ASSERT_NE(adapter, nullptr);
  Inbound in;
  in.payload = "x";
  DecodeResult decoded = adapter->decode(in);
  ASSERT_TRUE(decoded.rejection);
  EXPECT_EQ(decoded.rejection->kind, kq::core::ErrorKind::internal);
  EXPECT_EQ(decoded.rejection->message, "the lookup table is not loaded");
  EXPECT_TRUE(decoded.documents.empty());
  Outcome outcome;
  outcome.kind = KQ_OUTCOME_REJECTED;
  outcome.errors.push_back(*decoded.rejection);
  const AckReply reply = adapter->acknowledge(in, outcome, decoded);
  EXPECT_NE(reply.body.find("error=the lookup table is not loaded"), std::string::npos) << reply.body;
}

TEST(HookConvention, AFailingAcknowledgementBecomesTheHostsGenericReply) {
  auto adapter = configurable("port: 1\nfail_acknowledge: cannot format the reply");
  ASSERT_NE(adapter, nullptr);
  Inbound in;
  DecodeResult decoded = adapter->decode(in);
  Outcome outcome;
  outcome.kind = KQ_OUTCOME_COMMITTED;
  AckReply reply = adapter->acknowledge(in, outcome, decoded);
  EXPECT_EQ(reply.http_status, 500);
  EXPECT_EQ(reply.content_type, "application/problem+json");
  EXPECT_FALSE(reply.close_connection);
  in.transport = kq::core::Transport::mllp;  // over MLLP nothing the host could send would be understood
  decoded = adapter->decode(in);
  reply = adapter->acknowledge(in, outcome, decoded);
  EXPECT_TRUE(reply.close_connection);
}
