#pragma once
// The Applier: one application of a compiled mapping to one document. Internal to kq_mapping.
//
// Split by concern over three files: apply.cpp runs the record rules and gives records their
// ids, apply_fields.cpp builds the fields of a record (straight into core's typed record,
// through the setter table core derives from its field lists), apply_finish.cpp checks what is
// required and hands every record to core for validation and its body, translating core's
// errors back into the sender's terms.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>

#include "gateway/core/record_setters.hpp"
#include "gateway/mapping/mapping.hpp"
#include "gateway/mapping/plan.hpp"
#include "gateway/mapping/runtime/evaluate.hpp"

namespace kq::mapping::detail {

// One record being made: the typed record, where each of its values came from, and what went
// wrong.
struct Pending {
  const RecordRule* rule = nullptr;
  std::optional<core::setters::Record> record;  // made by make_record (a group makes none)
  // What core's reader would have said about the values (an integer out of range, a tagged
  // union without what its type requires): reported instead of validating, as for a body core
  // cannot decode.
  std::vector<core::FieldError> read_errors;
  // Where its values came from (Applier::lineage_of): the record's own list when the result
  // asks for lineage, else entries [lineage_first, lineage_first + lineage_count) of the
  // applier's list, which only core's findings read.
  std::vector<core::FieldLineage> lineage;
  std::size_t lineage_first = 0;
  std::size_t lineage_count = 0;
  std::vector<MapError> errors;
  std::vector<std::string> failed;  // target paths whose value failed; core's complaints about them are echoes
  std::vector<std::string> cleared;  // fields the sender nulled (see RecordEnvelope::cleared)
  bool minted_id = false;  // record_id() made a new id: no earlier version of the record can exist
};

// Whether one target path is the other or lies inside it ("name" and "name.text").
bool related(const std::string& a, const std::string& b);

// Where the fields being built go: an object of core's typed record, reached through its
// setter table, or the fields of a tagged union (Observation.value), which core makes the
// member of when they are all there.
struct Target {
  const core::setters::Type* type = nullptr;
  void* object = nullptr;
  core::setters::TaggedFields* tagged = nullptr;
};

// The Applier's working buffers, kept per thread between documents (ThreadSpares).
struct ApplierBuffers {
  std::vector<Pending> pending;
  std::string path;
  std::string key_text;  // the name a keyed record's id is derived from
  Values scratch;  // the values of the leaf being written, reused for every leaf
  // The leaf members of the record being made that were given a value, for what is required:
  // a member can hold a value nobody wrote (Observation.status starts as "final"), which a body
  // without the key would not. Only needed while one record is made, so one list serves all.
  std::vector<const void*> set_leaves;
  // The fields of the tagged union being made (a union holds no other, so one serves all).
  core::setters::TaggedFields tagged;
  // Where the values of the document's records came from when the result asks for no lineage,
  // record after record (a record is made whole before the next one starts): core's findings
  // are still put in the sender's terms through it. Entries past `lineage_used` keep their
  // strings' capacity for the next document, so a target path longer than a string holds
  // without the heap is not allocated anew for every value.
  std::vector<core::FieldLineage> lineage;
  std::size_t lineage_used = 0;
  bool reset();    // empties them all, keeping capacity; false if one grew too large to keep
};

class Applier {
 public:
  Applier(const CompiledMapping& mapping, const formats::Document& document, const ApplyOptions& options,
          MapResult& result);
  ~Applier();
  Applier(const Applier&) = delete;
  Applier& operator=(const Applier&) = delete;

  void run();

 private:
  // apply.cpp: rules, lets and ids
  void run_lets(const std::vector<LetPlan>& lets, const formats::Match* scope, Pending* pending);
  void run_rules(const std::vector<int>& rules, const formats::Match* scope);
  void run_instance(const RecordRule& rule, int index, const formats::Match* scope);
  void make_record(const RecordRule& rule, int index, const formats::Match* scope, Pending& pending);
  std::string record_id(const RecordRule& rule, const formats::Match* scope, std::size_t made_before,
                        Pending& pending);
  void keep_errors(Pending& pending);
  bool report_failures(Pending* pending, const std::string& target);

  // apply_fields.cpp: fields, objects and lists
  void append_index(std::size_t index);
  void add_lineage(Pending& pending, std::string&& location);
  // Fills the fields of `spec` into `out`; true when a value came from the document (or failed
  // trying). `written` counts the fields that got a value.
  bool fill(const ObjectSpec& spec, const formats::Match* scope, const Target& out, Pending& pending,
            std::size_t& written);
  bool put_leaf(const FieldPlan& field, const Target& out, const Value& value, Pending& pending);
  bool leaf(const FieldPlan& field, const formats::Match* scope, const Target& out, Pending& pending);
  bool leaf_list(const FieldPlan& field, const formats::Match* scope, const Target& out, Pending& pending,
                 std::size_t& written);
  bool object(const FieldPlan& field, const formats::Match* scope, const Target& out, Pending& pending);
  bool tagged_object(const FieldPlan& field, const formats::Match* scope, const Target& out, Pending& pending);
  bool object_list(const FieldPlan& field, const formats::Match* scope, const Target& out, Pending& pending,
                   std::size_t& written);
  bool element(const ObjectSpec& spec, const formats::Match* scope, const Target& list, const FieldPlan& field,
               std::size_t& count, Pending& pending);
  void note_cleared(Pending& pending, std::uint32_t nulls_before);

  // apply_finish.cpp: required fields, core's validation, the result
  void check_required(const ObjectSpec& spec, const Target& object, Pending& pending);
  bool holds_value(const core::setters::Member& member, const void* at) const;
  bool has_typed(const core::setters::Type* type, const void* object, const std::vector<std::string>& keys) const;
  std::string location_of(const Pending& pending, const std::string& path) const;
  std::span<const core::FieldLineage> lineage_of(const Pending& pending) const {
    if (options_.lineage) return pending.lineage;
    return {buffers_->lineage.data() + pending.lineage_first, pending.lineage_count};
  }
  void finish();

  // Every JSON value of the document's records is allocated here: one block of memory for
  // the lot instead of a heap allocation per key, string and container, all released
  // together when the last record made from this document is gone.
  static constexpr std::size_t kArenaBlock = 4096;

  const Plan& plan_;
  const formats::Document& document_;
  const ApplyOptions& options_;
  MapResult& result_;
  Evaluator ev_;
  boost::json::storage_ptr arena_;
  std::unique_ptr<ApplierBuffers> buffers_;  // taken from this thread's spares; given back after
  // References into *buffers_.
  std::vector<Pending>& pending_;
  std::string& path_;
  std::string& key_text_;
  Values& scratch_;
  std::vector<const void*>& set_leaves_;
};

}  // namespace kq::mapping::detail
