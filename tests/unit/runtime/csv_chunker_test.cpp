// The roster chunker (runtime/csv_chunker.hpp) on real files: rows end at line feeds outside
// quotes, every chunk starts with the header, line numbers count every line of the file.
#include "gateway/runtime/csv_chunker.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace kq::runtime {
namespace {

namespace fs = std::filesystem;

class CsvChunkerTest : public ::testing::Test {
 protected:
  fs::path write(const std::string& bytes) {
    const fs::path path = fs::temp_directory_path() / ("kq-chunker-" + std::to_string(::getpid()) + "-" +
                                                       std::to_string(counter_++) + ".csv");
    std::ofstream(path, std::ios::binary) << bytes;
    files_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const fs::path& f : files_) fs::remove(f);
  }

  // Every chunk's rows as text (without the header) and their lines.
  struct Read {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::vector<std::int64_t>> lines;
    std::string header;
  };
  Read read_all(const fs::path& file, std::size_t per_chunk) {
    CsvChunker chunker(file, per_chunk);
    EXPECT_EQ(chunker.error(), "");
    Read r;
    r.header = chunker.header();
    RosterFileChunk chunk;
    while (chunker.next(chunk)) {
      EXPECT_EQ(chunk.payload.substr(0, chunk.header_size), chunker.header());
      r.rows.emplace_back();
      r.lines.emplace_back();
      for (const RosterRow& row : chunk.rows) {
        r.rows.back().push_back(chunk.payload.substr(row.offset, row.size));
        r.lines.back().push_back(row.line);
      }
    }
    return r;
  }

  int counter_ = 0;
  std::vector<fs::path> files_;
};

TEST_F(CsvChunkerTest, ChunksHoldWholeRowsWithTheHeaderRepeated) {
  const Read r = read_all(write("a,b\n1,2\n3,4\n5,6\n"), 2);
  EXPECT_EQ(r.header, "a,b\n");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (std::vector<std::string>{"1,2\n", "3,4\n"}));
  EXPECT_EQ(r.rows[1], (std::vector<std::string>{"5,6\n"}));
  EXPECT_EQ(r.lines[0], (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(r.lines[1], (std::vector<std::int64_t>{4}));
}

TEST_F(CsvChunkerTest, AQuotedLineBreakStaysInItsRowAndCountsAsALine) {
  const Read r = read_all(write("a,b\r\n1,\"x\r\ny\"\r\n\"say \"\"hi\"\"\",2\r\n3,4"), 10);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0], (std::vector<std::string>{"1,\"x\r\ny\"\r\n", "\"say \"\"hi\"\"\",2\r\n", "3,4\n"}));
  EXPECT_EQ(r.lines[0], (std::vector<std::int64_t>{2, 4, 5}));
}

TEST_F(CsvChunkerTest, EmptyLinesAreSkippedButCounted) {
  const Read r = read_all(write("a\n\n1\r\n\r\n2\n"), 10);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0], (std::vector<std::string>{"1\r\n", "2\n"}));
  EXPECT_EQ(r.lines[0], (std::vector<std::int64_t>{3, 5}));
}

TEST_F(CsvChunkerTest, AUtf8ByteOrderMarkIsDroppedFromTheHeader) {
  const Read r = read_all(write("\xEF\xBB\xBF姓名,班级\n张三,1班\n"), 10);
  EXPECT_EQ(r.header, "姓名,班级\n");
  EXPECT_EQ(r.rows[0], (std::vector<std::string>{"张三,1班\n"}));
}

TEST_F(CsvChunkerTest, Gb18030BytesNeverEndARow) {
  // 欧阳 in GB 18030 is C5 B7 D1 F4; a four-byte character (0x81 0x30 0x81 0x30) has ASCII-range
  // second and fourth bytes, none of them a quote, comma, CR or LF.
  const std::string name = "\xC5\xB7\xD1\xF4\x81\x30\x81\x30";
  const Read r = read_all(write("n,c\n" + name + ",\"" + name + "\n" + name + "\"\n"), 10);
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0], (std::vector<std::string>{name + ",\"" + name + "\n" + name + "\"\n"}));
}

TEST_F(CsvChunkerTest, RowsLongerThanTheReadBlockAndManyChunks) {
  std::string text = "h\n";
  const std::string long_field(3 << 20, 'x');  // longer than one 1 MiB read
  text += "\"" + long_field + "\"\n";
  for (int i = 0; i < 10000; ++i) text += std::to_string(i) + "\n";
  const Read r = read_all(write(text), 1000);
  ASSERT_EQ(r.rows.size(), 11u);
  EXPECT_EQ(r.rows[0][0].size(), long_field.size() + 3);
  EXPECT_EQ(r.rows[10].back(), "9999\n");
  EXPECT_EQ(r.lines[10].back(), 10002);
}

TEST_F(CsvChunkerTest, AnEmptyFileHasNoHeader) {
  CsvChunker chunker(write(""), 10);
  EXPECT_NE(chunker.error(), "");
}

TEST(CsvRowScanner, StateCarriesAcrossPieces) {
  CsvRowScanner s;
  EXPECT_EQ(s.find_row_end("a,\"b\n", 0), std::string_view::npos);
  EXPECT_EQ(s.find_row_end("c\",d\ne", 0), 5u);
  EXPECT_EQ(s.line_feeds(), 2);
}

}  // namespace
}  // namespace kq::runtime
