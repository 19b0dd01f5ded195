#pragma once
// The Applier: one application of a compiled mapping to one document. Internal to kq_mapping.
//
// Split by concern over three files: apply.cpp runs the record rules and gives records their
// ids, apply_fields.cpp builds the fields of a record (values on a slot stack, written into the
// JSON body in the model's order), apply_finish.cpp checks what is required and hands every
// record to core for validation, translating core's errors back into the sender's terms.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>

#include "gateway/mapping/mapping.hpp"
#include "gateway/mapping/plan.hpp"
#include "gateway/mapping/runtime/evaluate.hpp"

namespace kq::mapping::detail {

// One record being made: its body, where each of its values came from, and what went wrong.
struct Pending {
  explicit Pending(const boost::json::storage_ptr& arena) : body(arena) {}
  const RecordRule* rule = nullptr;
  boost::json::object body;
  std::vector<core::FieldLineage> lineage;
  std::vector<MapError> errors;
  std::vector<std::string> failed;  // target paths whose value failed; core's complaints about them are echoes
  std::vector<std::string> cleared;  // fields the sender nulled (see RecordEnvelope::cleared)
  bool minted_id = false;  // record_id() made a new id: no earlier version of the record can exist
};

// Whether one target path is the other or lies inside it ("name" and "name.text").
bool related(const std::string& a, const std::string& b);

// The Applier's working buffers, kept per thread between documents (ThreadSpares).
struct ApplierBuffers {
  // A value waiting to be written into the object being built, nested objects above their
  // parents' (see fill_slots and emit_slots).
  struct Slot {
    int order = 0;
    const std::string* key = nullptr;
    boost::json::value value;
  };
  std::vector<Slot> slots;
  std::vector<Pending> pending;
  std::string path;
  std::string key_text;  // the name a keyed record's id is derived from
  Values scratch;  // the values of the leaf being written, reused for every leaf
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
  static int id_order(core::RecordKind kind);

  // apply_fields.cpp: fields, objects and lists
  void append_index(std::size_t index);
  void add_lineage(Pending& pending, std::string&& location);
  bool build_fields(const ObjectSpec& spec, const formats::Match* scope, boost::json::object& out, Pending& pending);
  bool fill_slots(const ObjectSpec& spec, const formats::Match* scope, Pending& pending);
  void put(const FieldPlan& field, boost::json::value&& value);
  void emit_slots(std::size_t mark, boost::json::object& out);
  bool leaf(const FieldPlan& field, const formats::Match* scope, Pending& pending);
  bool leaf_list(const FieldPlan& field, const formats::Match* scope, Pending& pending);
  bool object(const FieldPlan& field, const formats::Match* scope, Pending& pending);
  bool object_list(const FieldPlan& field, const formats::Match* scope, Pending& pending);
  bool element(const ObjectSpec& spec, const formats::Match* scope, boost::json::array& items, Pending& pending);
  void note_cleared(Pending& pending, std::uint32_t nulls_before);
  void put_list(const FieldPlan& field, boost::json::array&& items, bool sourced, Pending& pending,
                std::uint32_t nulls_before);

  // apply_finish.cpp: required fields, core's validation, the result
  void check_required(const ObjectSpec& spec, const boost::json::object& object, Pending& pending);
  std::string location_of(const Pending& pending, const std::string& path) const;
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
  using Slot = ApplierBuffers::Slot;
  // References into *buffers_.
  std::vector<Pending>& pending_;
  std::vector<Slot>& slots_;
  std::string& path_;
  std::string& key_text_;
  Values& scratch_;
};

}  // namespace kq::mapping::detail
