// Applying a compiled mapping: run the record rules over the document, give each record its id,
// and hand the records over (apply_fields.cpp builds their bodies, apply_finish.cpp validates).
#include "gateway/core/uuid.hpp"
#include "gateway/mapping/runtime/applier.hpp"
#include "gateway/mapping/runtime/document_checks.hpp"
#include "gateway/mapping/runtime/name_uuid.hpp"
#include "gateway/mapping/runtime/thread_spares.hpp"

namespace kq::mapping {

namespace detail {

namespace json = boost::json;

Applier::Applier(const CompiledMapping& mapping, const formats::Document& document, const ApplyOptions& options,
                 MapResult& result)
    : plan_(mapping.plan()),
      document_(document),
      options_(options),
      result_(result),
      ev_(mapping, document, options),
      arena_(json::make_shared_resource<json::monotonic_resource>(kArenaBlock)),
      buffers_(ThreadSpares<ApplierBuffers>::take()),
      pending_(buffers_->pending),
      path_(buffers_->path),
      key_text_(buffers_->key_text),
      scratch_(buffers_->scratch),
      set_leaves_(buffers_->set_leaves) {
  // Room for a typical document at once, rather than growing step by step on every one (a
  // no-op when this thread's buffers have mapped a document before).
  scratch_.reserve(4);
  pending_.reserve(plan_.rules.size());
  result_.records.reserve(plan_.rules.size());
}

Applier::~Applier() { ThreadSpares<ApplierBuffers>::give_back(std::move(buffers_)); }

bool ApplierBuffers::reset() {
  constexpr std::size_t kLargestKept = 1024;  // records or values
  if (pending.capacity() > kLargestKept || scratch.capacity() > kLargestKept || set_leaves.capacity() > kLargestKept ||
      lineage.size() > 4 * kLargestKept) {
    return false;
  }
  lineage_used = 0;
  pending.clear();
  path.clear();
  key_text.clear();
  scratch.clear();
  set_leaves.clear();
  tagged.clear();
  return true;
}

void Applier::run() {
  // A channel that sets a variable to a value the mapping does not know would have every
  // document mapped by a convention nobody chose: nothing is mapped.
  if (std::string problem = ev_.variable_problem(); !problem.empty()) {
    result_.errors.push_back({"", "", "", std::move(problem), core::ErrorKind::internal});
    return;
  }
  check_document(plan_, document_, result_.errors);
  run_lets(plan_.lets, nullptr, nullptr);
  run_rules(plan_.top, nullptr);
  finish();
}

void Applier::run_lets(const std::vector<LetPlan>& lets, const formats::Match* scope, Pending* pending) {
  for (const LetPlan& let : lets) {
    ev_.run_let(let, scope);
    if (!ev_.failures().empty()) report_failures(pending, "$" + let.name);
  }
}

void Applier::run_rules(const std::vector<int>& rules, const formats::Match* scope) {
  for (int index : rules) {
    const RecordRule& rule = plan_.rules[static_cast<std::size_t>(index)];
    if (rule.spec.each) {
      const Evaluator::Matches matches(ev_, *rule.spec.each, scope);
      for (const formats::Match& m : matches) run_instance(rule, index, &m);
    } else {
      run_instance(rule, index, scope);
    }
  }
}

void Applier::run_instance(const RecordRule& rule, int index, const formats::Match* scope) {
  Pending pending;
  pending.rule = &rule;
  if (options_.lineage) pending.lineage.reserve(16);  // one allocation for a typical record
  pending.lineage_first = buffers_->lineage_used;
  run_lets(rule.spec.lets, scope, &pending);
  // A rule whose condition does not hold does not apply: what its lets found is not an error.
  if (rule.spec.when && !ev_.holds(*rule.spec.when, scope)) return;
  if (rule.group) {
    keep_errors(pending);
    ev_.hit(rule.spec.rule);
    ev_.group_stack().push_back(ev_.next_serial());
    run_rules(rule.children, scope);
    ev_.group_stack().pop_back();
    return;
  }
  make_record(rule, index, scope, pending);
}

void Applier::make_record(const RecordRule& rule, int index, const formats::Match* scope, Pending& pending) {
  path_.clear();
  set_leaves_.clear();
  const core::setters::Type& type = core::setters::record_type(rule.kind);
  const Target out{&type, pending.record.emplace(rule.kind).data(), nullptr};
  std::size_t written = 0;
  const bool sourced = fill(rule.spec, scope, out, pending, written);
  if (!sourced && rule.spec.document_sources) {
    buffers_->lineage_used = pending.lineage_first;  // no record: its entries are free again
    pending.lineage_count = 0;
    keep_errors(pending);
    return;  // nothing from the document: constants and references alone make no record
  }
  auto& produced = ev_.produced()[static_cast<std::size_t>(index)];
  std::string id = record_id(rule, scope, produced.size(), pending);
  if (!id.empty()) {
    // The record id is every record's first member (core's field lists start with it).
    const core::setters::Member& id_member = type.members.front();
    core::setters::LeafValue text;
    text.text = id;
    std::string unused;
    id_member.set(id_member.in(out.object), text, unused);
  }
  check_required(rule.spec, out, pending);
  ev_.hit(rule.spec.rule);
  produced.push_back({std::move(id), ev_.group_stack()});
  pending_.push_back(std::move(pending));
}

std::string Applier::record_id(const RecordRule& rule, const formats::Match* scope, std::size_t made_before,
                               Pending& pending) {
  if (rule.key) {
    Values& parts = scratch_;  // free here: the record's fields are all written
    ev_.evaluate(*rule.key, scope, parts);
    report_failures(&pending, "id");
    if (parts.empty()) {
      std::string sources;
      for (const Source& s : rule.key->sources) sources += (sources.empty() ? "" : ", ") + s.text;
      pending.errors.push_back({rule.name, "id", sources,
                                "the record's key has no value, so the record cannot be identified",
                                core::ErrorKind::required});
      return {};
    }
    ev_.hit(rule.key->rule);
    // Kind and rule name are part of the key, so that the height and the weight taken from
    // one exam record (two observation rules, one key) get ids of their own.
    // Built in one reused buffer: a lab message derives an id for every result.
    std::string& name = key_text_;
    name.assign(core::kind_name(rule.kind));
    name += '\x1f';
    name += rule.name;
    for (const Value& part : parts) {
      name += '\x1f';
      if (part.is_text()) {
        name += part.text();
      } else {
        name += to_text(part);
      }
    }
    return name_uuid(name);
  }
  if (rule.kind == core::RecordKind::person) {
    // A message-local reference: the store resolves it to the person its identifiers name.
    std::string id = "ref:" + rule.name;
    if (rule.multi) id += "#" + std::to_string(made_before + 1);
    return id;
  }
  if (!rule.referenced) return {};  // the pipeline gives it one (core::assign_new_id)
  pending.minted_id = true;
  return core::new_time_ordered_uuid();
}

void Applier::keep_errors(Pending& pending) {
  for (MapError& e : pending.errors) result_.errors.push_back(std::move(e));
  pending.errors.clear();
}

// Turns the step failures of the last evaluation into errors of `target`; true if any.
bool Applier::report_failures(Pending* pending, const std::string& target) {
  auto& failures = ev_.failures();
  if (failures.empty()) return false;
  for (StepFailure& f : failures) {
    MapError e{pending && pending->rule ? pending->rule->name : std::string(), target, std::move(f.location),
               std::move(f.message), f.kind};
    if (pending) {
      pending->errors.push_back(std::move(e));
      pending->failed.push_back(target);
    } else {
      result_.errors.push_back(std::move(e));
    }
  }
  failures.clear();
  return true;
}

}  // namespace detail

std::string MapError::str() const {
  std::string out = location.empty() ? (target.empty() ? std::string("document") : target) : location;
  out += ": " + message;
  if (!target.empty() || !record.empty()) {
    out += " (" + record + (record.empty() || target.empty() ? "" : ".") + target + ")";
  }
  if (kind != core::ErrorKind::unspecified) out += " [" + std::string(core::to_string(kind)) + "]";
  return out;
}

MapResult apply(const CompiledMapping& mapping, const formats::Document& document, const ApplyOptions& options) {
  MapResult result;
  result.mapping = mapping.name();
  result.version = mapping.version();
  detail::Applier(mapping, document, options, result).run();
  return result;
}

MapResult map_payload(const CompiledMapping& mapping, std::string_view bytes, const ApplyOptions& options,
                      std::string_view charset) {
  formats::ParseOptions parse = mapping.parse_options();
  if (!charset.empty()) parse.charset = std::string(charset);
  formats::ParseError error;
  std::unique_ptr<formats::Document> document = mapping.format().parse(bytes, parse, error);
  if (!document) {
    MapResult result;
    result.mapping = mapping.name();
    result.version = mapping.version();
    result.errors.push_back({"", "", error.location, error.message, error.kind});
    return result;
  }
  return apply(mapping, *document, options);
}

}  // namespace kq::mapping
