// Path::visit, the interface the mapping engine reads values through: it must hand over exactly
// what select() returns (texts with escapes resolved, HL7 nulls, locations, handles, scopes),
// and stop when the visitor says so.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "gateway/formats/hl7v2/format.hpp"

namespace kq::formats {
namespace {

// Escapes (\F\, \S\, \T\, \R\, \E\, a hex escape), repetitions, an HL7 null, an empty field,
// repeated segments and a group structure for scopes.
constexpr std::string_view kMessage =
    "MSH|^~\\&|HIS|H001|KQ|KQ|20240305083000||ORU^R01^ORU_R01|MSG7|P|2.4\r"
    "PID|1||123^^^H001^MR~11010519491231002X^^^^ID||ZHANG\\F\\SAN^张\\T\\三||\"\"|||A\\S\\B\\E\\C\\X41\\\r"
    "OBR|1||ORD1|8302-2^身高^LN\r"
    "OBX|1|NM|8302-2^身高^LN||162.5|cm\r"
    "OBX|2|ST|NOTE||first\\R\\second|\r"
    "OBR|2||ORD2|29463-7^体重^LN\r"
    "OBX|1|NM|29463-7^体重^LN||58.2|kg\r";

// Collects everything visit() hands over, copying the views while they are valid.
class Recorder final : public MatchVisitor {
 public:
  explicit Recorder(std::size_t stop_after = 0) : stop_after_(stop_after) {}
  bool take(const MatchView& match) override {
    seen.push_back({std::string(match.text), std::string(match.location), match.handle});
    return stop_after_ == 0 || seen.size() < stop_after_;
  }
  std::vector<Match> seen;

 private:
  std::size_t stop_after_;
};

void expect_same(const std::vector<Match>& visited, const std::vector<Match>& selected, std::string_view path) {
  ASSERT_EQ(visited.size(), selected.size()) << path;
  for (std::size_t i = 0; i < visited.size(); ++i) {
    EXPECT_EQ(visited[i].text, selected[i].text) << path << " #" << i;
    EXPECT_EQ(visited[i].location, selected[i].location) << path << " #" << i;
    EXPECT_EQ(visited[i].handle, selected[i].handle) << path << " #" << i;
  }
}

class Hl7Visit : public ::testing::Test {
 protected:
  std::unique_ptr<Path> compile(std::string_view text) {
    std::string error;
    auto path = hl7v2_format().compile_path(text, error);
    EXPECT_NE(path, nullptr) << text << ": " << error;
    return path;
  }
  std::unique_ptr<Document> doc_ = [] {
    ParseError error;
    auto document = hl7v2_format().parse(kMessage, ParseOptions{}, error);
    EXPECT_NE(document, nullptr) << error.location << ": " << error.message;
    return document;
  }();
};

TEST_F(Hl7Visit, HandsOverWhatSelectReturns) {
  for (std::string_view text :
       {"MSH-1", "MSH-2", "MSH-9.1", "MSH-10", "PID", "PID-3", "PID-3[*]", "PID-3[2].1", "PID-3[*].5", "PID-5",
        "PID-5.1", "PID-5.2", "PID-7", "PID-8", "PID-11", "PID-99", "OBX", "OBX[2]-5", "OBX[*]-5", "OBX-6",
        "OBR[*]-4.2", "ZZZ-1", "/PID-3[1].1"}) {
    SCOPED_TRACE(std::string(text));
    const auto path = compile(text);
    if (path == nullptr) continue;
    Recorder recorder;
    path->visit(*doc_, nullptr, recorder);
    expect_same(recorder.seen, path->select(*doc_, nullptr), text);
  }
}

TEST_F(Hl7Visit, ResolvesEscapesAndKeepsTheHl7Null) {
  const auto name = compile("PID-5.1");
  Recorder names;
  name->visit(*doc_, nullptr, names);
  ASSERT_EQ(names.seen.size(), 1u);
  EXPECT_EQ(names.seen[0].text, "ZHANG|SAN");

  const auto null = compile("PID-7");
  Recorder nulls;
  null->visit(*doc_, nullptr, nulls);
  ASSERT_EQ(nulls.seen.size(), 1u);  // present and empty: the sender's "delete this value"
  EXPECT_EQ(nulls.seen[0].text, "");
  EXPECT_EQ(nulls.seen[0].location, "PID-7");
}

TEST_F(Hl7Visit, WorksInsideAScope) {
  const auto groups = compile("OBR[*]")->select(*doc_, nullptr);
  ASSERT_EQ(groups.size(), 2u);
  for (std::string_view text : {"OBX-5", "OBX[*]-5", "OBX[2]-5", "OBR-3", "/PID-3[*].1", "PID-3"}) {
    const auto path = compile(text);
    for (const Match& group : groups) {
      SCOPED_TRACE(std::string(text) + " in " + group.location);
      Recorder recorder;
      path->visit(*doc_, &group, recorder);
      expect_same(recorder.seen, path->select(*doc_, &group), text);
    }
  }
}

TEST_F(Hl7Visit, StopsWhenTheVisitorHasEnough) {
  const auto every = compile("OBX[*]-5");
  ASSERT_EQ(every->select(*doc_, nullptr).size(), 3u);
  Recorder first(1);
  every->visit(*doc_, nullptr, first);
  ASSERT_EQ(first.seen.size(), 1u);
  EXPECT_EQ(first.seen[0].text, "162.5");

  const auto repetitions = compile("PID-3[*].1");
  Recorder one(1);
  repetitions->visit(*doc_, nullptr, one);
  ASSERT_EQ(one.seen.size(), 1u);
  EXPECT_EQ(one.seen[0].location, "PID-3[1].1");
}

TEST_F(Hl7Visit, FindsNothingInAnotherFormatsDocument) {
  class NotHl7 final : public Document {
   public:
    std::string_view format() const override { return "other"; }
  } other;
  Recorder recorder;
  compile("PID-3")->visit(other, nullptr, recorder);
  EXPECT_TRUE(recorder.seen.empty());
}

}  // namespace
}  // namespace kq::formats
