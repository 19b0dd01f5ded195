#include "gateway/audit/chain_config.hpp"

#include <sys/stat.h>

#include "gateway/log/log.hpp"

namespace kq::audit {

ChainSettings chain_settings(const config::AuditConfig& audit, bool sign) {
  ChainSettings s;
  s.chained = audit.hash != "none";
  s.hash = parse_hash_name(audit.hash).value_or(HashAlgorithm::sm3);
  s.checkpoint_every_entries = audit.checkpoint_every_entries;
  s.checkpoint_every = audit.checkpoint_every;
  s.checkpoint_file = audit.checkpoint_export_file;
  if (!s.chained) log::warn("audit_chain_off", {{"reason", "audit.hash: none; new entries are not tamper-evident"}});
  if (sign && !audit.signing_key.empty()) {
    struct stat st{};
    if (::stat(audit.signing_key.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
      log::warn("audit_key_readable_by_others", {{"path", audit.signing_key}, {"hint", "chmod 600 the key file"}});
    }
    s.signing_key = SigningKey::load(audit.signing_key);
  }
  return s;
}

}  // namespace kq::audit
