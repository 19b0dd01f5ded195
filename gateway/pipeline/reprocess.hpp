#pragma once
// Reprocessing (`kangqiao reprocess`): a raw message already in the store runs again through the
// adapter's decode and the current mappings, and the records it now yields are written with the
// ORIGINAL message as their lineage, so records_of_message(original) shows them. Open dead
// letters of the message are marked resolved (when, and by which mapping version) or, if it still
// fails, the attempt and its errors are recorded. Every run is audited.
//
// Running a message twice does not duplicate records: each new record takes over the id of the
// record of the same kind the message produced before (ids that the mapping derives from keys
// match by themselves; persons resolve through their identifiers), so a second run writes new
// versions of the same records.
#include <functional>
#include <memory>
#include <string>

#include "gateway/derived/school_health_rules.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "gateway/plugin_host/adapter.hpp"
#include "gateway/store/store.hpp"

namespace kq::pipeline {

struct ReprocessResult {
  enum class Kind {
    accepted,       // mapped without errors; the records are written (or would be, in a dry run)
    still_failing,  // decode or mapping failed again; `first_error` says why
    superseded,     // a resend of the same message (same message key) was accepted meanwhile
    not_possible,   // no such message, or its adapter is not configured; nothing was written
    store_failed,   // the store could not commit; nothing was written
  };
  Kind kind = Kind::not_possible;
  std::string message_id;
  std::string file_name;      // the drop-folder file the message came from; empty for other transports
  std::size_t records = 0;
  std::size_t merges = 0;
  std::string first_error;    // "field: reason", for the operator's terminal
  std::string mappings;       // names@versions that ran
  std::string superseded_by;  // the message that holds the message key
};

std::string_view to_string(ReprocessResult::Kind kind);

class Reprocessor {
 public:
  using AdapterLookup =
      std::function<std::shared_ptr<const plugin_host::AdapterInstance>(const std::string& name)>;
  // `field_lineage` as the gateway's mappings.lineage: reprocessed records carry the same
  // provenance as they would have on arrival.
  Reprocessor(store::Store& store, AdapterLookup adapters, std::shared_ptr<const mapping::MappingSet> mappings,
              std::string actor, bool field_lineage = true, int guardian_age = 14);

  // The school-health rules (docs/derived-values.md) the records are derived with, as on arrival;
  // nullptr (the default): none.
  void set_school_health_rules(std::shared_ptr<const derived::SchoolHealthRules> rules) { rules_ = std::move(rules); }

  // Blocks until the store has committed (or, with dry_run, writes nothing at all).
  ReprocessResult run(const std::string& message_id, bool dry_run);

 private:
  void reuse_record_ids(const std::string& message_id, std::vector<store::RecordEnvelope>& records);
  store::WriteResult submit_and_wait(store::WriteBatch batch);

  store::Store& store_;
  AdapterLookup adapters_;
  std::shared_ptr<const mapping::MappingSet> mappings_;
  std::shared_ptr<const derived::SchoolHealthRules> rules_;
  std::string actor_;
  bool field_lineage_;
  int guardian_age_;
};

}  // namespace kq::pipeline
