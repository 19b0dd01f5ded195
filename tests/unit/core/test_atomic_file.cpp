// write_file_atomically: the target holds the old bytes or the new ones, never a mix, and a
// failed write leaves neither a changed target nor a temporary behind.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include "gateway/core/atomic_file.hpp"

namespace kq::core {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kq-atomic-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(AtomicFile, ReplacesTheContentAndLeavesNoTemporary) {
  const fs::path target = dir_ / "receipt.json";
  ASSERT_FALSE(write_file_atomically(target, "first"));
  ASSERT_FALSE(write_file_atomically(target, std::string(100000, 'x')));
  EXPECT_EQ(read_all(target), std::string(100000, 'x'));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(AtomicFile, GivesANewFileTheAskedPermissions) {
  const fs::path target = dir_ / "key";
  ASSERT_FALSE(write_file_atomically(target, "secret", 0600));
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// A rename that fails (here: a folder is in the way, which stops root as well) leaves the target
// as it was and removes the temporary.
TEST_F(AtomicFile, AFailedRenameKeepsTheTargetAndRemovesTheTemporary) {
  const fs::path target = dir_ / "state";
  fs::create_directories(target / "inside");
  EXPECT_TRUE(write_file_atomically(target, "new"));
  EXPECT_TRUE(fs::is_directory(target / "inside"));
  EXPECT_FALSE(fs::exists(dir_ / ".state.tmp"));
}

TEST_F(AtomicFile, NamesTheReasonWhenTheFolderIsMissing) {
  const std::error_code ec = write_file_atomically(dir_ / "missing" / "file", "x");
  EXPECT_EQ(ec, std::errc::no_such_file_or_directory);
}

}  // namespace
}  // namespace kq::core
