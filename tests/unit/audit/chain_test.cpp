// The canonical encoding and the chain hash, against vectors computed independently (Python's
// hashlib over the bytes docs/operations.md specifies), so that the code and the documentation an
// auditor works from cannot drift apart.
#include <gtest/gtest.h>

#include "gateway/audit/chain.hpp"

namespace kq::audit {
namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// The sample entries of docs/operations.md ("Recomputing the chain by hand").
EntryFields first_entry(std::string_view format) {
  EntryFields f;
  f.chain_format = format;
  f.seq = 1;
  f.at_ms = 1700000000000;
  f.event_type = "110107";
  f.action = "C";
  f.outcome = 0;
  f.actor = "hospital-a";
  f.org_id = "12110000MB0000001X";
  f.detail = R"({"adapter":"his"})";
  f.message_id = "0190a1b2-0000-7000-8000-000000000001";
  return f;
}

EntryFields second_entry(std::string_view format) {
  EntryFields f;
  f.chain_format = format;
  f.seq = 2;
  f.at_ms = 1700000000123;
  f.event_type = "110113";
  f.action = "E";
  f.outcome = 8;
  f.detail = "{}";
  return f;  // actor, org_id and message_id NULL
}

TEST(AuditChain, CanonicalEncodingIsTheDocumentedBytes) {
  std::string bytes;
  encode_entry(first_entry("KQA1-SM3"), bytes);
  EXPECT_EQ(to_hex(bytes),
            "000000084b5141312d534d3300000000000000010000018bcfe5680000000006313130313037000000014300000000000000"
            "000000000a686f73706974616c2d610000001231323131303030304d423030303030303158000000117b2261646170746572"
            "223a22686973227d0000002430313930613162322d303030302d373030302d383030302d303030303030303030303031");
}

TEST(AuditChain, Sm3ChainMatchesTheDocumentedVector) {
  Hasher sm3(HashAlgorithm::sm3);
  // GB/T 32905 example 1: SM3("abc").
  EXPECT_EQ(to_hex(as_bytes(sm3.digest("abc", ""))), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  std::string scratch;
  const Hash h1 = sm3.entry_hash(kGenesisHash, first_entry("KQA1-SM3"), scratch);
  EXPECT_EQ(to_hex(as_bytes(h1)), "9b8c1a8f722c3c371930d8d8f5fc042d11f62fa1d1121dfb7a04922d30b57129");
  const Hash h2 = sm3.entry_hash(h1, second_entry("KQA1-SM3"), scratch);
  EXPECT_EQ(to_hex(as_bytes(h2)), "58e16ed437b2a75bd64facccf7708d974aa5351e6f0bc46dc35e546e1f941f33");
}

TEST(AuditChain, Sha256ChainMatchesTheDocumentedVector) {
  Hasher sha(HashAlgorithm::sha256);
  std::string scratch;
  const Hash h1 = sha.entry_hash(kGenesisHash, first_entry("KQA1-SHA256"), scratch);
  EXPECT_EQ(to_hex(as_bytes(h1)), "6b0c1c0b3b439606c76f2e06b357271b63e36553589140a2c9785950db103bd3");
  EXPECT_EQ(to_hex(as_bytes(sha.entry_hash(h1, second_entry("KQA1-SHA256"), scratch))),
            "d7c942f54d08b52dd4048661babd29ef9ad6532ec5a34adabdbbc21025866f44");
}

TEST(AuditChain, NullAndEmptyTextHashDifferently) {
  Hasher sm3(HashAlgorithm::sm3);
  std::string scratch;
  EntryFields with_null = second_entry("KQA1-SM3");
  EntryFields with_empty = with_null;
  with_empty.actor = std::string_view();
  EXPECT_NE(sm3.entry_hash(kGenesisHash, with_null, scratch), sm3.entry_hash(kGenesisHash, with_empty, scratch));
}

TEST(AuditChain, FieldBoundariesCannotBeShifted) {
  // Length prefixes: moving a character from one field to the next changes the hash.
  Hasher sm3(HashAlgorithm::sm3);
  std::string scratch;
  EntryFields a = first_entry("KQA1-SM3");
  EntryFields b = a;
  a.actor = "hospital-a";
  a.org_id = "X";
  b.actor = "hospital-aX";
  b.org_id = "";
  EXPECT_NE(sm3.entry_hash(kGenesisHash, a, scratch), sm3.entry_hash(kGenesisHash, b, scratch));
}

TEST(AuditChain, EveryFieldIsCovered) {
  Hasher sm3(HashAlgorithm::sm3);
  std::string scratch;
  const EntryFields base = first_entry("KQA1-SM3");
  const Hash original = sm3.entry_hash(kGenesisHash, base, scratch);
  std::vector<EntryFields> variants(10, base);
  variants[0].chain_format = "KQA1-SHA256";
  variants[1].seq = 2;
  variants[2].at_ms += 1;
  variants[3].event_type = "110106";
  variants[4].action = "R";
  variants[5].outcome = 4;
  variants[6].actor = "hospital-b";
  variants[7].org_id = std::nullopt;
  variants[8].detail = R"({"adapter":"hiS"})";
  variants[9].message_id = std::nullopt;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    EXPECT_NE(sm3.entry_hash(kGenesisHash, variants[i], scratch), original) << "field " << i;
  }
  Hash other_prev = kGenesisHash;
  other_prev[31] = 1;
  EXPECT_NE(sm3.entry_hash(other_prev, base, scratch), original);
}

TEST(AuditChain, FormatNames) {
  EXPECT_EQ(parse_chain_format("KQA1-SM3"), HashAlgorithm::sm3);
  EXPECT_EQ(parse_chain_format("KQA1-SHA256"), HashAlgorithm::sha256);
  EXPECT_FALSE(parse_chain_format("KQA2-SM3"));
  EXPECT_EQ(parse_hash_name("sha256"), HashAlgorithm::sha256);
  EXPECT_FALSE(parse_hash_name("md5"));
  EXPECT_FALSE(hash_from_bytes(from_hex("00ff")));
  EXPECT_TRUE(hash_from_bytes(std::string(32, 'x')));
}

}  // namespace
}  // namespace kq::audit
