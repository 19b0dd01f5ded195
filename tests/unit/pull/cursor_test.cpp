// Changes-feed cursors: a position sealed with AES-256-GCM opens to the same position under the
// same key and to nothing otherwise — forged, altered in any character, cut short, lengthened,
// or sealed under another deployment's key. The key file is created once, private to the owner,
// and read back on the next start so that cursors survive a restart.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <limits>
#include <string>

#include "gateway/pull/cursor.hpp"
#include "tests/unit/store/store_test_support.hpp"

namespace kq::pull {
namespace {

constexpr std::string_view kContext = "changes|province-platform|PUBHLTH";

CursorCodec::Key key_of(unsigned char seed) {
  CursorCodec::Key key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(seed + i * 13);
  return key;
}

// A cursor belongs to the query it was made for: another endpoint, client or purpose cannot use it.
TEST(Cursor, AnotherContextCannotOpenIt) {
  const CursorCodec codec(key_of(1));
  const std::string cursor = codec.seal(77, kContext);
  EXPECT_EQ(codec.open(cursor, kContext), 77);
  EXPECT_EQ(codec.open(cursor, "changes|province-platform|CNSTAT"), std::nullopt);
  EXPECT_EQ(codec.open(cursor, "changes|shanghai-platform|PUBHLTH"), std::nullopt);
  EXPECT_EQ(codec.open(cursor, "person-records|x|province-platform|PUBHLTH"), std::nullopt);
}

TEST(Cursor, SealedPositionsOpenToThemselves) {
  const CursorCodec codec(key_of(1));
  for (std::int64_t seq : {std::int64_t{0}, std::int64_t{1}, std::int64_t{255}, std::int64_t{1'000'000'007},
                           std::numeric_limits<std::int64_t>::max()}) {
    const std::string cursor = codec.seal(seq, kContext);
    EXPECT_EQ(codec.open(cursor, kContext), seq) << cursor;
    // URL-safe as it stands: it goes into a query string without escaping.
    EXPECT_EQ(cursor.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
  }
}

TEST(Cursor, TheSamePositionSealsDifferentlyEachTime) {
  // A fresh nonce each time: two cursors for one position do not show that they are equal.
  const CursorCodec codec(key_of(1));
  const std::string a = codec.seal(42, kContext), b = codec.seal(42, kContext);
  EXPECT_NE(a, b);
  EXPECT_EQ(codec.open(a, kContext), 42);
  EXPECT_EQ(codec.open(b, kContext), 42);
}

TEST(Cursor, EveryAlteredCharacterIsRefused) {
  const CursorCodec codec(key_of(1));
  const std::string cursor = codec.seal(123456, kContext);
  for (std::size_t i = 0; i < cursor.size(); ++i) {
    std::string altered = cursor;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';  // 36 bytes are 48 whole characters: each one counts
    EXPECT_EQ(codec.open(altered, kContext), std::nullopt) << "changed character " << i;
  }
}

TEST(Cursor, ForgedTruncatedLengthenedAndMalformedCursorsAreRefused) {
  const CursorCodec codec(key_of(1));
  const std::string cursor = codec.seal(7, kContext);
  EXPECT_EQ(codec.open("", kContext), std::nullopt);
  EXPECT_EQ(codec.open(cursor.substr(0, cursor.size() - 1), kContext), std::nullopt);
  EXPECT_EQ(codec.open(cursor.substr(0, cursor.size() / 2), kContext), std::nullopt);
  EXPECT_EQ(codec.open(cursor + "AAAA", kContext), std::nullopt);
  EXPECT_EQ(codec.open(std::string(cursor.size(), 'A'), kContext), std::nullopt);  // right length, no tag
  EXPECT_EQ(codec.open("7", kContext), std::nullopt);                                 // a bare position
  std::string padded = cursor;
  padded[3] = '=';  // not in the alphabet
  EXPECT_EQ(codec.open(padded, kContext), std::nullopt);
  EXPECT_EQ(codec.open(cursor + "\n", kContext), std::nullopt);
}

TEST(Cursor, ACursorOfAnotherKeyIsRefused) {
  const CursorCodec ours(key_of(1)), theirs(key_of(2));
  EXPECT_EQ(ours.open(theirs.seal(99, kContext), kContext), std::nullopt);
  EXPECT_EQ(theirs.open(ours.seal(99, kContext), kContext), std::nullopt);
}

TEST(Cursor, ANegativePositionNeverOpens) {
  const CursorCodec codec(key_of(1));
  EXPECT_EQ(codec.open(codec.seal(-1, kContext), kContext), std::nullopt);
}

TEST(CursorKeyFile, IsCreatedPrivateAndReusedOnTheNextStart) {
  store::testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "keys" / "cursor.key";
  const CursorCodec first = CursorCodec::from_key_file(path);
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(std::filesystem::file_size(path), 32u);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".partial"));

  const std::string cursor = first.seal(31337, kContext);
  const CursorCodec second = CursorCodec::from_key_file(path);  // a restart
  EXPECT_EQ(second.open(cursor, kContext), 31337);
  EXPECT_EQ(std::filesystem::file_size(path), 32u);

  // Another deployment's key file: its own key, so our cursors mean nothing there.
  const CursorCodec other = CursorCodec::from_key_file(dir.path() / "other.key");
  EXPECT_EQ(other.open(cursor, kContext), std::nullopt);
}

TEST(CursorKeyFile, AShortKeyFileIsAnErrorNamingTheFile) {
  store::testing::TempDir dir;
  const std::filesystem::path path = dir.path() / "cursor.key";
  std::ofstream(path) << "too short";
  try {
    CursorCodec::from_key_file(path);
    FAIL() << "a 9-byte key was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace kq::pull
