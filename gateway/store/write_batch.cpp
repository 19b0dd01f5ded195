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

namespace {

constexpr std::size_t kPlaceholderLength = 36;  // a UUID's text, the length of every person id

std::size_t ref_index(const PreparedBatch& p, std::string_view ref) {
  const auto it = p.ref_index.find(std::string(ref));
  return it == p.ref_index.end() ? PreparedRecord::kNoRef : it->second;
}

// Puts the placeholder of each person_ref the record names where the writer will put the
// person's id (core::for_each_person_reference), and notes which ref its id and person_id
// columns take. Returns true if the body names one.
bool mark_person_places(RecordEnvelope& r, const PreparedBatch& p, PreparedRecord& out) {
  if (p.person_refs.empty()) return false;
  // A person record is filed under its person's id: a known person gets a new version of it.
  if (r.kind == core::kind_name(core::RecordKind::person)) out.id_ref = ref_index(p, r.id);
  out.person_ref = out.id_ref != PreparedRecord::kNoRef ? out.id_ref : ref_index(p, r.person_id);
  bool marked = false;
  core::for_each_person_reference(r, [&](boost::json::value& v) {
    if (!v.is_string()) return;
    const std::size_t k = ref_index(p, v.get_string());
    if (k == PreparedRecord::kNoRef) return;
    v = p.placeholders[k];
    marked = true;
  });
  return marked;
}

// Finds every quoted placeholder in the serialised body, in text order.
void find_person_slots(const PreparedBatch& p, PreparedRecord& out) {
  const std::string& text = out.body_json;
  for (std::size_t pos = text.find('"'); pos != std::string::npos; pos = text.find('"', pos + 1)) {
    if (pos + kPlaceholderLength + 1 >= text.size() || text[pos + kPlaceholderLength + 1] != '"') {
      continue;
    }
    const auto it = p.placeholder_index.find(std::string(text, pos + 1, kPlaceholderLength));
    if (it != p.placeholder_index.end()) {
      out.person_slots.push_back({pos + 1, it->second});
      pos += kPlaceholderLength + 1;  // past the closing quote
    }
  }
}

}  // namespace

std::string_view body_with_persons(PreparedRecord& record,
                                   const std::vector<std::string>& person_ids,
                                   std::string& scratch) {
  bool same_length = true;
  for (const PersonSlot& slot : record.person_slots) {
    const std::string& id = person_ids.at(slot.ref);
    if (id.find_first_of("\"\\") != std::string::npos || id.empty()) {
      throw std::logic_error("person id is not plain text: cannot place it in JSON");
    }
    same_length = same_length && id.size() == kPlaceholderLength;
  }
  if (same_length) {
    // Overwriting in place can be repeated: the writer may apply a batch twice (see apply()).
    for (const PersonSlot& slot : record.person_slots) {
      record.body_json.replace(slot.offset, kPlaceholderLength, person_ids[slot.ref]);
    }
    return record.body_json;
  }
  scratch.clear();
  std::size_t copied = 0;
  for (const PersonSlot& slot : record.person_slots) {
    scratch.append(record.body_json, copied, slot.offset - copied);
    scratch += person_ids[slot.ref];
    copied = slot.offset + kPlaceholderLength;
  }
  scratch.append(record.body_json, copied);
  return scratch;
}

PreparedBatch prepare_batch(WriteBatch batch) {
  PreparedBatch p;
  if (batch.message) {
    RawMessage& m = *batch.message;
    if (m.id.empty()) m.id = core::new_time_ordered_uuid();
    if (m.sha256.empty()) m.sha256 = sha256_hex(m.inbound.payload);
  }
  for (const IdentityLink& link : batch.identities) {
    if (!p.ref_index.try_emplace(link.person_ref, p.person_refs.size()).second) continue;
    p.person_refs.push_back(link.person_ref);
    p.placeholders.push_back(core::new_uuid());
    p.placeholder_index.emplace(p.placeholders.back(), p.placeholders.size() - 1);
  }
  p.records.resize(batch.records.size());
  for (std::size_t i = 0; i < batch.records.size(); ++i) {
    RecordEnvelope& r = batch.records[i];
    PreparedRecord& out = p.records[i];
    if (r.id.empty()) core::assign_new_id(r);  // also writes the id into the body
    const bool names_person = mark_person_places(r, p, out);
    out.body_json = core::json_text(r.body);
    if (names_person) find_person_slots(p, out);
    if (const auto kind = core::parse_kind(r.kind); kind && *kind != core::RecordKind::person) {
      out.facts = core::disclosure_facts(*kind, r.body);
    }
    // The writer needs only the text. Freeing the tree here keeps its many small frees off the
    // single writer thread; adopting an empty object rather than assigning one also lets go of
    // the body's memory resource here.
    core::adopt_body(r, boost::json::object());
  }
  p.batch = std::move(batch);
  p.enqueued_at = std::chrono::steady_clock::now();
  return p;
}

}  // namespace kq::store
