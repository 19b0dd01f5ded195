#pragma once
// Docs that carry a section generated from the code (the configuration reference, the table of
// data categories): the tests compare the section with what the code generates now, and rewrite
// it when KQ_UPDATE_DOCS is set. Also what the docs tests need to pull an example out of a page.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace kq::testing {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Checks that the text of `doc_path` between `begin_marker` and `end_marker` is `generated`;
// with KQ_UPDATE_DOCS set, writes `generated` there instead.
inline void expect_generated_section(const std::string& doc_path, const std::string& begin_marker,
                                     const std::string& end_marker, const std::string& generated) {
  std::string doc = read_file(doc_path);
  const std::size_t begin = doc.find(begin_marker);
  ASSERT_NE(begin, std::string::npos) << doc_path << " lacks " << begin_marker;
  const std::size_t from = begin + begin_marker.size();
  const std::size_t end = doc.find(end_marker, from);
  ASSERT_NE(end, std::string::npos) << doc_path << " lacks " << end_marker;
  if (std::getenv("KQ_UPDATE_DOCS") != nullptr) {
    doc.replace(from, end - from, generated);
    std::ofstream(doc_path, std::ios::binary) << doc;
    return;
  }
  EXPECT_EQ(doc.substr(from, end - from), generated)
      << doc_path << " is out of date; regenerate it with KQ_UPDATE_DOCS=1 (see the test's file)";
}

}  // namespace kq::testing
