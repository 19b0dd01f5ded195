// Identity-index keys: national identifiers by system and value; assigned ones (MRNs) qualified
// by their assigner, so equal numbers from two hospitals never name the same person.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "gateway/pipeline/identity_keys.hpp"

namespace kq::pipeline {
namespace {

std::optional<IdentityKey> key_of(const char* json) {
  return identity_key(boost::json::parse(json).as_object());
}

TEST(IdentityKeys, NationalIdentifierIsSystemAndValue) {
  auto key = key_of(R"({"system":"urn:oid:2.16.156.10011.1.3","value":"11010519491231002X"})");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->system, "urn:oid:2.16.156.10011.1.3");
  EXPECT_EQ(key->value, "11010519491231002X");
}

TEST(IdentityKeys, SameMrnAtTwoHospitalsGivesTwoKeys) {
  auto a = key_of(R"({"system":"urn:oid:2.16.156.10011.1.13","value":"000123","assigner":"org-h001"})");
  auto b = key_of(R"({"system":"urn:oid:2.16.156.10011.1.13","value":"000123","assigner":"org-h002"})");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->system, "urn:oid:2.16.156.10011.1.13^org-h001");
  EXPECT_NE(a->system, b->system);
  EXPECT_EQ(a->value, b->value);
}

TEST(IdentityKeys, IncompleteIdentifiersAreNotKeys) {
  EXPECT_FALSE(key_of(R"({"system":"urn:oid:2.16.156.10011.1.3"})"));
  EXPECT_FALSE(key_of(R"({"value":"000123","assigner":"org-h001"})"));
  EXPECT_FALSE(key_of(R"({"system":"","value":"000123"})"));
}

}  // namespace
}  // namespace kq::pipeline
