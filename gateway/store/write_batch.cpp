#include "gateway/store/write_batch.hpp"
#include "gateway/core/json_text.hpp"

#include <openssl/evp.h>

#include <array>
#include <boost/json/serialize.hpp>
#include <memory>
#include <stdexcept>

#include "gateway/core/record_kind.hpp"
#include "gateway/core/uuid.hpp"
#include "gateway/store/prepared_batch.hpp"

namespace kq::store {

std::string_view to_string(MessageStatus status) {
  switch (status) {
    case MessageStatus::accepted:
      return "accepted";
    case MessageStatus::rejected:
      return "rejected";
    case MessageStatus::dead_letter:
      return "dead_letter";
  }
  return "accepted";
}

bool parse_message_status(std::string_view text, MessageStatus& out) {
  for (MessageStatus s :
       {MessageStatus::accepted, MessageStatus::rejected, MessageStatus::dead_letter}) {
    if (text == to_string(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

std::string_view to_string(WriteStatus status) {
  switch (status) {
    case WriteStatus::committed:
      return "committed";
    case WriteStatus::duplicate:
      return "duplicate";
    case WriteStatus::conflict:
      return "conflict";
    case WriteStatus::failed:
      return "failed";
  }
  return "failed";
}

namespace {

constexpr char kHex[] = "0123456789abcdef";

const EVP_MD* sha256_md() {
  // Fetched once: the implicit fetch inside EVP_sha256() costs a lookup on every call.
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw std::runtime_error("OpenSSL has no SHA256 implementation");
  return md;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, sha256_md(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 digest failed");
  }
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0F]);
  }
  return out;
}

bool uses_person_ref(const RecordEnvelope& r, std::string_view person_ref) {
  if (r.kind == core::kind_name(core::RecordKind::person)) return r.id == person_ref;
  if (r.person_id == person_ref) return true;
  if (r.kind == core::kind_name(core::RecordKind::provenance)) {
    // A provenance record names the records it covers, persons among them.
    if (const auto* targets = r.body.if_contains("target_ids"); targets && targets->is_array()) {
      for (const auto& t : targets->get_array()) {
        if (t.is_string() && t.get_string() == person_ref) return true;
      }
    }
  }
  return false;
}

PreparedBatch prepare_batch(WriteBatch batch) {
  PreparedBatch p;
  if (batch.message) {
    RawMessage& m = *batch.message;
    if (m.id.empty()) m.id = core::new_uuid();
    if (m.sha256.empty()) m.sha256 = sha256_hex(m.payload);
  }
  p.records.resize(batch.records.size());
  for (std::size_t i = 0; i < batch.records.size(); ++i) {
    RecordEnvelope& r = batch.records[i];
    PreparedRecord& out = p.records[i];
    if (r.id.empty()) {
      core::assign_id(r, core::new_uuid());  // also writes the id into the body
      out.fresh_id = true;
    }
    for (const IdentityLink& link : batch.identities) {
      if (uses_person_ref(r, link.person_ref)) {
        out.awaits_person = true;
        break;
      }
    }
    if (out.awaits_person) continue;
    out.body_json = core::json_text(r.body);
    // The writer needs only the text. Freeing the tree here keeps its many small frees off the
    // single writer thread. Destroy and rebuild rather than assign or swap: those keep (or copy
    // into) the body's memory resource, which would then be released on the writer thread.
    std::destroy_at(&r.body);
    std::construct_at(&r.body);
  }
  p.batch = std::move(batch);
  p.enqueued_at = std::chrono::steady_clock::now();
  return p;
}

}  // namespace kq::store
