// Checkpoint signatures with SM2 and ECDSA P-256 keys: what is signed, what breaks a signature,
// how keys are named, and the export line that carries a checkpoint outside the database.
#include <gtest/gtest.h>

#include "audit_keys.hpp"
#include "gateway/audit/checkpoint.hpp"
#include "gateway/audit/checkpoint_export.hpp"

namespace kq::audit {
namespace {

using testing::KeyDir;

Checkpoint sample() {
  Checkpoint c;
  c.id = 3;
  c.seq = 3000;
  c.count = 2990;
  c.at_ms = 1700000000000;
  c.head_hash = std::string(32, '\x42');
  c.entry_digests = std::string(8 * 1000, '\x07');
  return c;
}

class CheckpointKeys : public ::testing::TestWithParam<const char*> {};

TEST_P(CheckpointKeys, SignatureVerifiesAndCoversEveryField) {
  KeyDir dir;
  const auto key = SigningKey::load(dir.key("audit.key", GetParam()));
  const VerifyingKey public_key = VerifyingKey::from_pem(key->public_key_pem(), "public");
  EXPECT_EQ(public_key.fingerprint(), key->fingerprint());
  EXPECT_EQ(public_key.algorithm(), std::string(GetParam()) == "SM2" ? kSm2Sm3 : kEcdsaP256Sha256);

  Checkpoint c = sample();
  key->sign(c);
  EXPECT_EQ(c.entries_digest, digest_of_entries(c.entry_digests, c.signature_algorithm));
  EXPECT_TRUE(public_key.verify(c));

  auto broken = [&](auto change) {
    Checkpoint copy = c;
    change(copy);
    return !public_key.verify(copy);
  };
  EXPECT_TRUE(broken([](Checkpoint& x) { x.id += 1; }));
  EXPECT_TRUE(broken([](Checkpoint& x) { x.seq += 1; }));
  EXPECT_TRUE(broken([](Checkpoint& x) { x.count -= 1; }));
  EXPECT_TRUE(broken([](Checkpoint& x) { x.at_ms += 1; }));
  EXPECT_TRUE(broken([](Checkpoint& x) { x.head_hash[5] ^= 1; }));
  EXPECT_TRUE(broken([](Checkpoint& x) { x.entries_digest[0] ^= 1; }));
  EXPECT_TRUE(broken([](Checkpoint& x) { x.signature.back() ^= 1; }));
  EXPECT_TRUE(broken([](Checkpoint& x) { x.key_fingerprint[0] ^= 1; }));
}

TEST_P(CheckpointKeys, AnotherKeyDoesNotVerify) {
  KeyDir dir;
  const auto key = SigningKey::load(dir.key("a.key", GetParam()));
  const auto other = SigningKey::load(dir.key("b.key", GetParam()));
  Checkpoint c = sample();
  other->sign(c);
  EXPECT_NE(other->fingerprint(), key->fingerprint());
  EXPECT_FALSE(VerifyingKey::from_pem(key->public_key_pem(), "a").verify(c));
}

INSTANTIATE_TEST_SUITE_P(Sm2AndP256, CheckpointKeys, ::testing::Values("SM2", "P-256"));

TEST(Checkpoint, KeysOfOtherKindsAreRefusedWithTheFileName) {
  KeyDir dir;
  const auto p384 = dir.key("p384.key", "P-384");
  try {
    (void)SigningKey::load(p384);
    FAIL() << "a P-384 key was accepted";
  } catch (const KeyError& e) {
    EXPECT_NE(std::string(e.what()).find("p384.key"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("neither SM2 nor EC P-256"), std::string::npos) << e.what();
  }
  testing::write_file(dir.path() / "garbage.pem", "not a key");
  EXPECT_THROW((void)SigningKey::load(dir.path() / "garbage.pem"), KeyError);
  EXPECT_THROW((void)SigningKey::load(dir.path() / "absent.pem"), KeyError);
  EXPECT_THROW((void)VerifyingKey::load(dir.path() / "garbage.pem"), KeyError);
}

TEST(Checkpoint, VerifyingKeyLoadsFromPublicKeyCertificateOrPrivateKey) {
  KeyDir dir;
  const auto private_file = dir.key("audit.key", "SM2");
  const auto key = SigningKey::load(private_file);
  testing::write_file(dir.path() / "audit.pub", key->public_key_pem());
  EXPECT_EQ(VerifyingKey::load(dir.path() / "audit.pub").fingerprint(), key->fingerprint());
  EXPECT_EQ(VerifyingKey::load(private_file).fingerprint(), key->fingerprint());
}

TEST(Checkpoint, FingerprintTextIsColonHexWithoutDigitRuns) {
  const std::string text = fingerprint_text(std::string(32, '\x12'));
  EXPECT_EQ(text.size(), 32u * 3 - 1);
  EXPECT_EQ(text.substr(0, 6), "12:12:");
}

TEST(CheckpointExport, LineRoundTripsAndStillVerifies) {
  KeyDir dir;
  const auto key = SigningKey::load(dir.key("audit.key", "SM2"));
  Checkpoint c = sample();
  key->sign(c);
  const std::string line = checkpoint_json(c);
  std::string error;
  const auto back = parse_checkpoint_line(line, error);
  ASSERT_TRUE(back) << error;
  EXPECT_TRUE(back->entry_digests.empty());  // the export carries the digest, not the list
  EXPECT_EQ(back->entries_digest, c.entries_digest);
  EXPECT_EQ(back->head_hash, c.head_hash);
  EXPECT_TRUE(VerifyingKey::from_pem(key->public_key_pem(), "k").verify(*back));
}

TEST(CheckpointExport, FileCollectsCheckpointLinesAndNamesBadOnes) {
  KeyDir dir;
  const auto key = SigningKey::load(dir.key("audit.key", "P-256"));
  Checkpoint a = sample(), b = sample();
  b.id = 4;
  key->sign(a);
  key->sign(b);
  const auto file = dir.path() / "checkpoints.jsonl";
  append_checkpoint_file(file, a);
  append_checkpoint_file(file, b);
  CheckpointFile read = read_checkpoint_file(file);
  EXPECT_TRUE(read.errors.empty());
  ASSERT_EQ(read.checkpoints.size(), 2u);
  EXPECT_EQ(read.checkpoints[1].id, 4);

  // A gateway log: other events are skipped; a damaged checkpoint line is named with its line.
  testing::write_file(dir.path() / "gateway.log",
                      "{\"ts\":\"x\",\"level\":\"info\",\"event\":\"store_opened\"}\n" + checkpoint_json(a) +
                          "\n{\"event\":\"audit_checkpoint\",\"id\":\"five\"}\nnot json\n");
  read = read_checkpoint_file(dir.path() / "gateway.log");
  EXPECT_EQ(read.checkpoints.size(), 1u);
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_NE(read.errors[0].find("gateway.log:3: id"), std::string::npos) << read.errors[0];
}

}  // namespace
}  // namespace kq::audit
