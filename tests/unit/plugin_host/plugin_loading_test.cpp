// Loading real plugin libraries: the handshake and every way a plugin can be refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <kangqiao/plugin.h>

#include "gateway/config/schema.hpp"
#include "gateway/plugin_host/adapter.hpp"
#include "gateway/plugin_host/config_fields.hpp"
#include "gateway/plugin_host/plugin_registry.hpp"

namespace fs = std::filesystem;
using namespace kq::plugin_host;

namespace {

const std::string kVersion =
    std::to_string(KQ_PLUGIN_ABI_MAJOR) + "." + std::to_string(KQ_PLUGIN_ABI_MINOR);

std::string test_plugin(const std::string& name) { return std::string(KQ_TEST_PLUGIN_DIR) + "/" + name + ".so"; }

LoadError load_error(const std::string& path) {
  LoadResult r = load_plugin_library(path, host_api());
  EXPECT_TRUE(std::holds_alternative<LoadError>(r)) << path << " loaded but should not have";
  return std::holds_alternative<LoadError>(r) ? std::get<LoadError>(r) : LoadError{};
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("kq-plugins-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

}  // namespace

TEST(PluginLoading, GoodPluginLoadsWithItsDeclaration) {
  LoadResult r = load_plugin_library(std::string(KQ_PLUGIN_DIR) + "/example_echo.so", host_api());
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const PluginLibrary>>(r))
      << std::get<LoadError>(r).message;
  auto lib = std::get<std::shared_ptr<const PluginLibrary>>(r);
  EXPECT_EQ(lib->name(), "example_echo");
  EXPECT_EQ(lib->version(), "1.1.0");
  EXPECT_EQ(lib->abi_major(), static_cast<unsigned>(KQ_PLUGIN_ABI_MAJOR));
  ASSERT_EQ(lib->fields().size(), 3u);
  EXPECT_EQ(lib->fields()[0].name, "path");
  EXPECT_EQ(lib->fields()[0].default_value, "/example/records");
  EXPECT_EQ(lib->fields()[2].type, KQ_FIELD_BYTES);
  EXPECT_TRUE(lib->fields()[2].has_range);
}

TEST(PluginLoading, WrongMajorIsRefusedNamingBothVersions) {
  const LoadError e = load_error(test_plugin("test_wrong_major"));
  EXPECT_EQ(e.path, test_plugin("test_wrong_major"));
  const std::string found = std::to_string(KQ_PLUGIN_ABI_MAJOR + 1) + ".0";
  EXPECT_NE(e.message.find("plugin ABI " + found + " is incompatible with this gateway's ABI " + kVersion),
            std::string::npos)
      << e.message;
  EXPECT_NE(e.message.find("rebuild the plugin"), std::string::npos) << e.message;
}

TEST(PluginLoading, PluginThatNeedsANewerMinorIsRefused) {
  const LoadError e = load_error(test_plugin("test_newer_minor"));
  const std::string found = std::to_string(KQ_PLUGIN_ABI_MAJOR) + "." + std::to_string(KQ_PLUGIN_ABI_MINOR + 1);
  EXPECT_NE(e.message.find("plugin needs ABI " + found + " or later, this gateway offers " + kVersion),
            std::string::npos)
      << e.message;
}

TEST(PluginLoading, PluginThatRefusesTheHostSaysSo) {
  const LoadError e = load_error(test_plugin("test_refuses_host"));
  EXPECT_NE(e.message.find("the plugin refused this gateway (ABI " + kVersion + ")"), std::string::npos)
      << e.message;
}

TEST(PluginLoading, MissingEntrySymbolIsNamed) {
  const LoadError e = load_error(test_plugin("test_no_entry"));
  EXPECT_NE(e.message.find("does not export the entry symbol 'kq_plugin_entry'"), std::string::npos)
      << e.message;
}

TEST(PluginLoading, TextFileIsNotASharedLibrary) {
  TempDir dir;
  const fs::path fake = dir.path() / "notes.so";
  std::ofstream(fake) << "this is not a plugin\n";
  const LoadError e = load_error(fake.string());
  EXPECT_NE(e.message.find("not a shared library"), std::string::npos) << e.message;
}

TEST(PluginLoading, TruncatedElfFailsInDlopenWithItsReason) {
  TempDir dir;
  const fs::path fake = dir.path() / "broken.so";
  std::ofstream(fake, std::ios::binary) << "\x7f" "ELF" << std::string(20, '\0');
  const LoadError e = load_error(fake.string());
  EXPECT_NE(e.message.find("cannot load: "), std::string::npos) << e.message;
}

TEST(PluginRegistry, ScanKeepsGoodPluginsAndListsEveryFailure) {
  TempDir dir;
  fs::copy_file(std::string(KQ_PLUGIN_DIR) + "/example_echo.so", dir.path() / "example_echo.so");
  fs::copy_file(test_plugin("test_wrong_major"), dir.path() / "test_wrong_major.so");
  fs::copy_file(test_plugin("test_no_entry"), dir.path() / "test_no_entry.so");
  std::ofstream(dir.path() / "readme.txt") << "ignored: not a .so";
  const auto reg = PluginRegistry::scan(dir.path().string());
  ASSERT_EQ(reg.plugins().size(), 1u);
  EXPECT_NE(reg.find("example_echo"), nullptr);
  ASSERT_EQ(reg.errors().size(), 2u);
  ASSERT_NE(reg.error_for("test_wrong_major"), nullptr);
  EXPECT_NE(reg.error_for("test_wrong_major")->message.find("incompatible"), std::string::npos);
}

TEST(PluginRegistry, MissingDirectoryIsAnError) {
  const auto reg = PluginRegistry::scan("/nonexistent/kangqiao/plugins");
  ASSERT_EQ(reg.errors().size(), 1u);
  EXPECT_NE(reg.errors()[0].message.find("does not exist"), std::string::npos);
}

namespace {

std::shared_ptr<AdapterInstance> create_configurable(const std::string& yaml,
                                                     std::vector<kq::config::ConfigError>& errors) {
  auto r = load_plugin_library(test_plugin("test_configurable"), host_api());
  auto lib = std::get<std::shared_ptr<const PluginLibrary>>(r);
  YAML::Node node = YAML::Load(yaml);
  kq::config::SourceLocation where{"adapter.yaml", 1, 1};
  auto block = kq::config::validate_block(node, to_config_fields(lib->fields()), where, "adapter.yaml", errors);
  if (!errors.empty()) return nullptr;
  return AdapterInstance::create("under-test", lib, block);
}

}  // namespace

TEST(AdapterInstance, TypedConfigReachesThePluginWithDefaults) {
  std::vector<kq::config::ConfigError> errors;
  auto a = create_configurable("port: 2575\ntags: [a, b]\nroute: /in\n", errors);
  ASSERT_TRUE(errors.empty());
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->routes().size(), 1u);
  EXPECT_EQ(a->routes()[0].path, "/in");
  const DecodeResult d = a->decode(Inbound{});
  ASSERT_FALSE(d.rejection) << d.rejection->message;
  ASSERT_EQ(d.documents.size(), 1u);
  EXPECT_EQ(d.documents[0].body, "port=2575 enabled=true timeout_ms=5000 mode=strict tags=a,b,");
}

TEST(AdapterInstance, HostValidatesThePluginBlockBeforeThePluginSeesIt) {
  std::vector<kq::config::ConfigError> errors;
  auto a = create_configurable("prot: 2575\nmode: loose\n", errors);
  EXPECT_EQ(a, nullptr);
  std::string all;
  for (const auto& e : errors) all += e.str() + "\n";
  EXPECT_NE(all.find("adapter.yaml:1:1: unknown key 'prot'; did you mean 'port'?"), std::string::npos) << all;
  EXPECT_NE(all.find("adapter.yaml:2:7:"), std::string::npos) << all;  // the enum value
  EXPECT_NE(all.find("strict"), std::string::npos) << all;
}

TEST(AdapterInstance, FailingCreateIsReportedWithThePluginsReason) {
  std::vector<kq::config::ConfigError> errors;
  try {
    create_configurable("port: 1\nfail_with: the HIS host name is missing\n", errors);
    FAIL() << "create should have thrown";
  } catch (const AdapterCreateError& e) {
    EXPECT_STREQ(e.what(),
                 "plugin 'test_configurable' refused its configuration: the HIS host name is missing");
  }
}
