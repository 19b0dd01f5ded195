// ${ENV} interpolation: the expansion rules, and errors located at the scalar.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "gateway/config/interpolate.hpp"

namespace kq::config {
namespace {

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string expand_ok(const std::string& text, const EnvLookup& env) {
  std::vector<std::string> problems;
  std::optional<std::string> out = expand_env(text, env, problems);
  EXPECT_TRUE(out.has_value()) << text << ": " << (problems.empty() ? "" : problems.front());
  return out.value_or("<failed>");
}

std::vector<std::string> expand_fails(const std::string& text, const EnvLookup& env) {
  std::vector<std::string> problems;
  EXPECT_FALSE(expand_env(text, env, problems).has_value()) << text;
  return problems;
}

TEST(ExpandEnv, SubstitutesVariables) {
  const EnvLookup env = fake_env({{"HOST", "db.local"}, {"PORT", "5432"}, {"EMPTY", ""}});
  EXPECT_EQ(expand_ok("${HOST}", env), "db.local");
  EXPECT_EQ(expand_ok("tcp://${HOST}:${PORT}/x", env), "tcp://db.local:5432/x");
  EXPECT_EQ(expand_ok("${EMPTY}", env), "");
  EXPECT_EQ(expand_ok("no variables", env), "no variables");
}

TEST(ExpandEnv, DefaultsApplyWhenUnsetOrEmpty) {
  const EnvLookup env = fake_env({{"SET", "yes"}, {"EMPTY", ""}});
  EXPECT_EQ(expand_ok("${UNSET:-fallback}", env), "fallback");
  EXPECT_EQ(expand_ok("${EMPTY:-fallback}", env), "fallback");
  EXPECT_EQ(expand_ok("${SET:-fallback}", env), "yes");
  EXPECT_EQ(expand_ok("${UNSET:-}", env), "");
  EXPECT_EQ(expand_ok("${UNSET:-a:-b}", env), "a:-b");
}

TEST(ExpandEnv, DollarDollarBraceIsALiteral) {
  const EnvLookup env = fake_env({{"X", "1"}});
  EXPECT_EQ(expand_ok("$${X}", env), "${X}");
  EXPECT_EQ(expand_ok("cost: $5 and $$ and ${X}", env), "cost: $5 and $$ and 1");
  EXPECT_EQ(expand_ok("$$${X}", env), "$${X}");  // a '$' then the escape
  EXPECT_EQ(expand_ok("trailing $", env), "trailing $");
}

TEST(ExpandEnv, ValuesAreNotRescanned) {
  const EnvLookup env = fake_env({{"A", "${B}"}, {"B", "no"}});
  EXPECT_EQ(expand_ok("${A}", env), "${B}");
}

TEST(ExpandEnv, ReportsEveryProblem) {
  const EnvLookup env = fake_env({});
  EXPECT_EQ(expand_fails("${KQ_PORT}", env),
            (std::vector<std::string>{"environment variable 'KQ_PORT' is not set; set it or write ${KQ_PORT:-default}"}));
  EXPECT_EQ(expand_fails("${A}/${B}", env).size(), 2u);
  EXPECT_EQ(expand_fails("${BAD NAME}", env),
            (std::vector<std::string>{"invalid environment variable name 'BAD NAME' in '${BAD NAME}'; names are "
                                      "letters, digits and '_'"}));
  EXPECT_EQ(expand_fails("${9LIVES}", env).size(), 1u);
  EXPECT_EQ(expand_fails("${}", env).size(), 1u);
  EXPECT_EQ(expand_fails("abc ${OPEN", env),
            (std::vector<std::string>{"unterminated '${' in 'abc ${OPEN'; write $${ for a literal ${"}));
}

TEST(InterpolateEnv, RewritesScalarValuesInPlaceKeepingMarks) {
  YAML::Node root = YAML::Load("port: ${P}\nlist: [a, \"${Q:-q}\"]\n${KEY}: kept\nnested:\n  x: $${P}\n");
  std::vector<ConfigError> errors;
  interpolate_env(root, "c.yaml", errors, fake_env({{"P", "8080"}}));
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(root["port"].Scalar(), "8080");
  EXPECT_EQ(root["port"].Mark().line, 0);
  EXPECT_EQ(root["port"].Mark().column, 6);
  EXPECT_EQ(root["list"][1].Scalar(), "q");
  EXPECT_EQ(root["${KEY}"].Scalar(), "kept");  // keys are never expanded
  EXPECT_EQ(root["nested"]["x"].Scalar(), "${P}");
}

TEST(InterpolateEnv, MissingVariableIsAnErrorAtTheScalar) {
  YAML::Node root = YAML::Load("a: 1\nlisteners:\n  - port: ${KQ_TEST_SURELY_UNSET_PORT}\n");
  std::vector<ConfigError> errors;
  interpolate_env(root, "c.yaml", errors, fake_env({}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].str(),
            "c.yaml:3:11: environment variable 'KQ_TEST_SURELY_UNSET_PORT' is not set; set it or write "
            "${KQ_TEST_SURELY_UNSET_PORT:-default}");
  EXPECT_EQ(root["listeners"][0]["port"].Scalar(), "${KQ_TEST_SURELY_UNSET_PORT}");
}

TEST(InterpolateEnv, AnAliasedScalarIsExpandedOnce) {
  YAML::Node root = YAML::Load("a: &v \"$${X}\"\nb: *v\n");
  std::vector<ConfigError> errors;
  interpolate_env(root, "c.yaml", errors, fake_env({{"X", "boom"}}));
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(root["a"].Scalar(), "${X}");
  EXPECT_EQ(root["b"].Scalar(), "${X}");
}

TEST(InterpolateEnv, ReadsTheProcessEnvironmentByDefault) {
  ::setenv("KQ_CONFIG_TEST_NODE", "from-env", 1);
  YAML::Node root = YAML::Load("node_name: ${KQ_CONFIG_TEST_NODE}\n");
  std::vector<ConfigError> errors;
  interpolate_env(root, "c.yaml", errors);
  ::unsetenv("KQ_CONFIG_TEST_NODE");
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(root["node_name"].Scalar(), "from-env");
}

}  // namespace
}  // namespace kq::config
