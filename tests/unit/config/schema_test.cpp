// The generic validator, exercised with a plugin-style table: each kind of error, with its exact
// file:line:col, and typed access to the validated values.
#include <gtest/gtest.h>

#include <stdexcept>

#include "gateway/config/schema.hpp"

namespace kq::config {
namespace {

using T = FieldType;

std::vector<Field> plugin_fields() {
  return {
      field("url", T::string, "Endpoint.").required(),
      field("port", T::integer, "Port.").by_default("8080").range(1, 65535),
      field("verbose", T::boolean, "Chatty logs.").by_default("false"),
      field("timeout", T::duration, "Per request.").by_default("5s").range(1, 60'000),
      field("buffer", T::bytes, "Read buffer.").by_default("64KiB").at_least(1024),
      field("mode", T::enumeration, "Direction.").by_default("push").one_of({"push", "pull", "both"}),
      field("tags", T::string_list, "Labels.").at_most(3),
      field("folder", T::path, "Drop folder."),
      field("retry", T::object, "Retries.")
          .members({
              field("attempts", T::integer, "Tries.").by_default("3").range(0, 10),
              field("backoff", T::duration, "Pause.").required(),
          }),
      field("routes", T::object_list, "Routes.")
          .members({
              field("path", T::string, "URL path.").required(),
              field("method", T::enumeration, "Verb.").by_default("POST").one_of({"GET", "POST"}),
          }),
      field("extra", T::any, "Passed through."),
  };
}

struct Checked {
  Block block;
  std::vector<std::string> errors;
};

// Line 1 of `yaml` is line 1 of "plugin.yaml"; the block itself is reported at 1:1.
Checked check(const std::string& yaml) {
  std::vector<ConfigError> errors;
  BlockContext context{"plugin.yaml", "/srv/kq", "adapters[0].config"};
  Checked out{validate_block(YAML::Load(yaml), plugin_fields(), {"plugin.yaml", 1, 1}, context, errors), {}};
  for (const ConfigError& e : errors) out.errors.push_back(e.str());
  return out;
}

TEST(Schema, AppliesDefaultsAndGivesTypedAccess) {
  const Checked c = check("url: https://example.org/api\nretry: { backoff: 250ms }\n");
  ASSERT_TRUE(c.errors.empty()) << c.errors.front();
  const Block& b = c.block;
  EXPECT_EQ(b.get_string("url"), "https://example.org/api");
  EXPECT_EQ(b.get_int("port"), 8080);
  EXPECT_FALSE(b.get_bool("verbose"));
  EXPECT_EQ(b.get_duration("timeout"), std::chrono::seconds(5));
  EXPECT_EQ(b.get_bytes("buffer"), 64 * 1024);
  EXPECT_EQ(b.get_string("mode"), "push");
  EXPECT_TRUE(b.get_string_list("tags").empty());
  EXPECT_FALSE(b.has("folder"));
  EXPECT_EQ(b.get_string("folder"), "");
  EXPECT_TRUE(b.has("port"));
  EXPECT_FALSE(b.written("port"));
  EXPECT_TRUE(b.written("url"));
  EXPECT_EQ(b.get_object("retry").get_int("attempts"), 3);
  EXPECT_EQ(b.get_object("retry").get_duration("backoff"), std::chrono::milliseconds(250));
  EXPECT_TRUE(b.get_object_list("routes").empty());
  EXPECT_TRUE(b.get_node("extra").IsNull());
  EXPECT_EQ(b.location("url").str(), "plugin.yaml:1:6");
  EXPECT_EQ(b.key_location("url").str(), "plugin.yaml:1:1");
  EXPECT_EQ(b.location("port").str(), "plugin.yaml:1:1");  // defaulted: the block's location
  EXPECT_EQ(b.get_object("retry").location("backoff").str(), "plugin.yaml:2:19");
}

TEST(Schema, ReadsEveryWrittenType) {
  const Checked c = check(R"(url: x
port: 9000
verbose: true
timeout: 45s
buffer: 1MiB
mode: pull
tags: [a, b]
folder: inbox/../drop
retry: { attempts: 0, backoff: 1s }
routes:
  - path: /a
  - { path: /b, method: GET }
extra: { anything: [1, 2] }
)");
  ASSERT_TRUE(c.errors.empty()) << c.errors.front();
  const Block& b = c.block;
  EXPECT_EQ(b.get_int("port"), 9000);
  EXPECT_TRUE(b.get_bool("verbose"));
  EXPECT_EQ(b.get_duration("timeout"), std::chrono::seconds(45));
  EXPECT_EQ(b.get_bytes("buffer"), 1024 * 1024);
  EXPECT_EQ(b.get_string("mode"), "pull");
  EXPECT_EQ(b.get_string_list("tags"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(b.item_location("tags", 1).str(), "plugin.yaml:7:11");
  EXPECT_EQ(b.get_string("folder"), "/srv/kq/drop");  // resolved against base_dir, normalised
  const auto& routes = b.get_object_list("routes");
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].get_string("path"), "/a");
  EXPECT_EQ(routes[0].get_string("method"), "POST");
  EXPECT_EQ(routes[1].get_string("method"), "GET");
  EXPECT_EQ(routes[1].where().str(), "plugin.yaml:12:5");
  EXPECT_EQ(b.get_node("extra")["anything"][1].as<int>(), 2);
}

TEST(Schema, UnknownKeySuggestsTheNearestKey) {
  const Checked c = check("url: x\nprot: 80\nzzzzzzzz: 1\n");
  ASSERT_EQ(c.errors.size(), 2u);
  EXPECT_EQ(c.errors[0], "plugin.yaml:2:1: unknown key 'prot'; did you mean 'port'?");
  EXPECT_EQ(c.errors[1],
            "plugin.yaml:3:1: unknown key 'zzzzzzzz'; expected one of url, port, verbose, timeout, buffer, mode, "
            "tags, folder, retry, routes, extra");
}

TEST(Schema, MissingRequiredKeyNamesKeyAndParent) {
  const Checked c = check("port: 80\nretry:\n  attempts: 2\nroutes:\n  - method: GET\n");
  ASSERT_EQ(c.errors.size(), 3u);
  EXPECT_EQ(c.errors[0], "plugin.yaml:1:1: missing required key 'url' in adapters[0].config");
  EXPECT_EQ(c.errors[1], "plugin.yaml:3:3: missing required key 'backoff' in adapters[0].config.retry");
  EXPECT_EQ(c.errors[2], "plugin.yaml:5:5: missing required key 'path' in adapters[0].config.routes[0]");
}

TEST(Schema, EmptyBlockReportsAtTheBlockLocation) {
  std::vector<ConfigError> errors;
  validate_block(YAML::Node(), plugin_fields(), {"gw.yaml", 40, 5}, "gw.yaml", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].str(), "gw.yaml:40:5: missing required key 'url'");
}

TEST(Schema, TypeErrorsSayWhatWasExpectedAndFound) {
  const Checked c = check(R"(url: [a, b]
port: abc
verbose: yes
timeout: 30
buffer: lots
tags: solo
retry: 3
routes: { path: /a }
)");
  ASSERT_EQ(c.errors.size(), 8u);
  EXPECT_EQ(c.errors[0], "plugin.yaml:1:6: expected a string, found a list");
  EXPECT_EQ(c.errors[1], "plugin.yaml:2:7: expected an integer, found 'abc'");
  EXPECT_EQ(c.errors[2], "plugin.yaml:3:10: expected true or false, found 'yes'");
  EXPECT_EQ(c.errors[3],
            "plugin.yaml:4:10: expected a duration such as 250ms, 5s, 2m or 1h, found '30'; add a unit, e.g. '30ms' "
            "or '30s'");
  EXPECT_EQ(c.errors[4], "plugin.yaml:5:9: expected a size such as 512, 64KiB, 16MiB or 1GiB, found 'lots'");
  EXPECT_EQ(c.errors[5], "plugin.yaml:6:7: expected a list of strings, found 'solo'; write [solo] for a single item");
  EXPECT_EQ(c.errors[6], "plugin.yaml:7:8: expected a mapping, found '3'");
  EXPECT_EQ(c.errors[7], "plugin.yaml:8:9: expected a list of mappings, found a mapping");
  // Invalid values fall back to their defaults so later checks still see sane values.
  EXPECT_EQ(c.block.get_int("port"), 8080);
  EXPECT_FALSE(c.block.written("port"));
  EXPECT_TRUE(c.block.present("port"));
  EXPECT_FALSE(c.block.has("url"));
  EXPECT_TRUE(c.block.present("url"));
  EXPECT_FALSE(c.block.present("folder"));
}

TEST(Schema, EmptyValueIsATypeError) {
  const Checked c = check("url: x\nport:\ntimeout: ~\n");
  ASSERT_EQ(c.errors.size(), 2u);
  EXPECT_EQ(c.errors[0], "plugin.yaml:2:1: expected an integer, found an empty value");
  EXPECT_EQ(c.errors[1], "plugin.yaml:3:10: expected a duration such as 250ms, 5s, 2m or 1h, found an empty value");
}

TEST(Schema, RangeErrorsStateTheRange) {
  const Checked c = check("url: x\nport: 70000\ntimeout: 2m\nbuffer: 512\ntags: [a, b, c, d]\nretry: {backoff: 1s, attempts: -1}\n");
  ASSERT_EQ(c.errors.size(), 5u);
  EXPECT_EQ(c.errors[0], "plugin.yaml:2:7: 'port' must be between 1 and 65535, found 70000");
  EXPECT_EQ(c.errors[1], "plugin.yaml:3:10: 'timeout' must be between 1ms and 1m, found 2m");
  EXPECT_EQ(c.errors[2], "plugin.yaml:4:9: 'buffer' must be at least 1KiB, found 512");
  EXPECT_EQ(c.errors[3], "plugin.yaml:5:7: 'tags' takes at most 3 items, found 4");
  EXPECT_EQ(c.errors[4], "plugin.yaml:6:32: 'attempts' must be between 0 and 10, found -1");
}

TEST(Schema, EnumerationsListTheAllowedValues) {
  const Checked c = check("url: x\nmode: sideways\nroutes:\n  - { path: /a, method: PSOT }\n");
  ASSERT_EQ(c.errors.size(), 2u);
  EXPECT_EQ(c.errors[0], "plugin.yaml:2:7: expected one of push, pull, both; found 'sideways'");
  EXPECT_EQ(c.errors[1], "plugin.yaml:4:25: expected one of GET, POST; found 'PSOT'; did you mean 'POST'?");
}

TEST(Schema, DuplicateKeysAreErrors) {
  const Checked c = check("url: x\nport: 1\nport: 2\n");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0], "plugin.yaml:3:1: duplicate key 'port' (first at line 2)");
  EXPECT_EQ(c.block.get_int("port"), 1);
}

TEST(Schema, BlockThatIsNotAMapping) {
  const Checked c = check("- url: x\n");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0], "plugin.yaml:1:1: expected a mapping, found a list");
}

TEST(Schema, ListItemsMustBeMappings) {
  const Checked c = check("url: x\nroutes:\n  - /a\n  - path: /b\n");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0], "plugin.yaml:3:5: expected a mapping for each item of 'routes', found '/a'");
  EXPECT_EQ(c.block.get_object_list("routes").size(), 1u);
}

TEST(Schema, CollectsEveryErrorInOnePass) {
  const Checked c = check("prot: 1\nverbose: maybe\nmode: x\nretry: {}\n");
  EXPECT_EQ(c.errors.size(), 5u);  // prot, verbose, mode, retry.backoff, url
}

TEST(Schema, PathThatMustExist) {
  std::vector<Field> fields{field("ca", T::path, "CA bundle.").must_exist()};
  std::vector<ConfigError> errors;
  BlockContext context{"tls.yaml", KQ_SOURCE_DIR "/tests/fixtures/config", ""};
  Block ok = validate_block(YAML::Load("ca: tls/ca.placeholder"), fields, {"tls.yaml", 1, 1}, context, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(ok.get_string("ca"), KQ_SOURCE_DIR "/tests/fixtures/config/tls/ca.placeholder");
  validate_block(YAML::Load("ca: tls/nope.pem"), fields, {"tls.yaml", 1, 1}, context, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].str(), "tls.yaml:1:5: 'tls/nope.pem' does not exist (looked for " KQ_SOURCE_DIR
                             "/tests/fixtures/config/tls/nope.pem)");
}

TEST(Schema, WrongGetterIsAProgrammingError) {
  const Checked c = check("url: x\n");
  EXPECT_THROW(c.block.get_int("url"), std::logic_error);
  EXPECT_THROW(c.block.get_string("no_such_field"), std::logic_error);
  // Probes never throw: plugins pass names through the C ABI, where an exception must not go.
  EXPECT_FALSE(c.block.has("no_such_field"));
  EXPECT_FALSE(c.block.written("no_such_field"));
  EXPECT_FALSE(c.block.present("no_such_field"));
  EXPECT_FALSE(c.block.type_of("no_such_field").has_value());
  EXPECT_EQ(c.block.type_of("timeout"), FieldType::duration);
}

TEST(Schema, DescribesFieldsAsMarkdown) {
  const std::string md = describe_fields_markdown(plugin_fields(), "adapters[].config");
  EXPECT_NE(md.find("### `adapters[].config`\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| `port` | integer, 1 to 65535 | `8080` | Port. |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `url` | string | **required** | Endpoint. |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `mode` | one of `push`, `pull`, `both` | `push` | Direction. |"), std::string::npos) << md;
  EXPECT_NE(md.find("### `adapters[].config.routes[]`\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| `timeout` | duration, 1ms to 1m | `5s` | Per request. |"), std::string::npos) << md;
}

}  // namespace
}  // namespace kq::config
