#include "gateway/pipeline/document_batch.hpp"

#include <algorithm>

#include <boost/json/parse.hpp>

#include "gateway/pipeline/merges.hpp"
#include "gateway/pipeline/parallel_for.hpp"

namespace kq::pipeline {

namespace {

// names@versions, each once, in the order they first ran: a batch of 30,000 documents runs the
// same mapping 30,000 times.
void add_mappings(std::string& all, const std::string& names) {
  std::size_t start = 0;
  while (start < names.size()) {
    std::size_t end = names.find(',', start);
    if (end == std::string::npos) end = names.size();
    const std::string_view name(names.data() + start, end - start);
    bool seen = false;
    for (std::size_t at = 0; at < all.size() && !seen;) {
      std::size_t stop = all.find(',', at);
      if (stop == std::string::npos) stop = all.size();
      seen = std::string_view(all.data() + at, stop - at) == name;
      at = stop + 1;
    }
    if (!seen) {
      if (!all.empty()) all += ",";
      all += name;
    }
    start = end + 1;
  }
}

// Person references are local to a message ("ref:student", the mapping's name for the person a
// record is about), and every document of a batch is mapped alone: each would call its student by
// the same name, and the store would take them for one person. Each document's references get
// its number.
void scope_person_refs(RecordsOrErrors& converted, std::size_t number) {
  constexpr std::string_view kRef = "ref:";
  std::map<std::string, std::string> renamed;
  for (store::IdentityLink& link : converted.identities) {
    if (!link.person_ref.starts_with(kRef)) continue;
    auto [it, added] = renamed.try_emplace(link.person_ref, std::string());
    if (added) it->second = std::string(kRef) + std::to_string(number) + "/" + link.person_ref.substr(kRef.size());
    link.person_ref = it->second;
  }
  if (renamed.empty()) return;
  for (store::RecordEnvelope& r : converted.records) {
    if (auto it = renamed.find(r.id); it != renamed.end()) r.id = it->second;
    if (auto it = renamed.find(r.person_id); it != renamed.end()) r.person_id = it->second;
    boost::json::value body(std::move(r.body));
    rename_references(body, renamed);
    r.body = std::move(body.as_object());
  }
  for (core::Provenance& p : converted.provenance) {
    for (std::string& id : p.target_ids) {
      if (auto it = renamed.find(id); it != renamed.end()) id = it->second;
    }
    if (auto it = renamed.find(p.person_id); it != renamed.end()) p.person_id = it->second;
  }
}

}  // namespace

void rename_references(boost::json::value& v, const std::map<std::string, std::string>& renamed) {
  if (auto* s = v.if_string()) {
    auto it = renamed.find(std::string(*s));
    if (it != renamed.end()) *s = it->second;
  } else if (auto* a = v.if_array()) {
    for (boost::json::value& item : *a) rename_references(item, renamed);
  } else if (auto* o = v.if_object()) {
    for (auto& item : *o) rename_references(item.value(), renamed);
  }
}

void plan_independent_documents(const plugin_host::DecodeResult& decoded, const plugin_host::Inbound& in,
                                const MappingContext& context, const MessageOrigin& origin,
                                const std::set<std::size_t>* only_documents, MessagePlan& plan) {
  const std::size_t count = decoded.documents.size();
  // The plugin's own errors: by document, or about the whole batch (no number, or one that names
  // no emitted document, which is the plugin's mistake and cannot be pinned on one).
  std::vector<std::vector<core::FieldError>> plugin_errors(count + 1);
  bool whole_batch = count == 0;
  for (const core::FieldError& e : decoded.errors) {
    const std::size_t d = e.document <= count ? e.document : 0;
    plugin_errors[d].push_back(e);
    plugin_errors[d].back().document = d;
    if (d == 0) whole_batch = true;
  }
  if (whole_batch) {
    plan.errors = plugin_errors[0];
    if (count == 0) plan.errors.push_back({"", "the adapter produced no document", core::ErrorKind::internal});
    plan.intended = KQ_OUTCOME_CONTENT_ERROR;
    plan.reason = std::to_string(plan.errors.size()) + " error(s) about the batch as a whole";
    if (plan.dedupe) plan.dedupe->claim = false;
    return;
  }
  // Mapping each document is the batch's CPU work and depends on nothing but the document: it
  // runs on every core (parallel_for.hpp). What follows — the keep decisions, which read the
  // store, and the plan — runs in document order, as if the documents had been mapped one by one.
  const auto wanted = [&](std::size_t i) {
    return plugin_errors[i + 1].empty() && (only_documents == nullptr || only_documents->contains(i + 1));
  };
  std::vector<RecordsOrErrors> mapped(count);
  parallel_for(count, [&](std::size_t i) {
    if (!wanted(i)) return;
    mapped[i] = records_from_documents({&decoded.documents[i], 1}, in, context);
    if (context.hooks.inspect && mapped[i].errors.empty()) context.hooks.inspect(i + 1, mapped[i]);
  });
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t number = i + 1;
    if (only_documents != nullptr && !only_documents->contains(number)) continue;
    plugin_host::DocumentResult result{number, false, 0, 0};
    RecordsOrErrors converted = std::move(mapped[i]);
    if (plugin_errors[number].empty()) add_mappings(plan.mappings, converted.mappings);
    std::vector<core::FieldError>& errors = plugin_errors[number];
    for (core::FieldError& e : converted.errors) {
      e.document = number;
      errors.push_back(std::move(e));
    }
    if (!errors.empty()) {
      result.errors = errors.size();
      std::move(errors.begin(), errors.end(), std::back_inserter(plan.errors));
      ++rejected;
    } else if (context.hooks.keep && !context.hooks.keep(number, converted)) {
      result.accepted = true;  // accepted, and nothing of it needs writing
      ++accepted;
    } else {
      result.accepted = true;
      result.records = converted.records.size();
      scope_person_refs(converted, number);
      add_provenance(converted, origin);
      plan.record_documents.insert(plan.record_documents.end(), converted.records.size(), number);
      std::move(converted.records.begin(), converted.records.end(), std::back_inserter(plan.records));
      std::move(converted.identities.begin(), converted.identities.end(), std::back_inserter(plan.identities));
      ++accepted;
    }
    plan.documents.push_back(result);
  }
  const std::size_t planned = accepted + rejected;
  if (accepted == 0) {
    plan.intended = KQ_OUTCOME_CONTENT_ERROR;
    plan.reason = "all " + std::to_string(planned) + " document(s) rejected";
    plan.records.clear();
    plan.record_documents.clear();
    plan.identities.clear();
    if (plan.dedupe) plan.dedupe->claim = false;
    return;
  }
  plan.intended = KQ_OUTCOME_COMMITTED;
  if (rejected > 0) {
    plan.reason = std::to_string(rejected) + " of " + std::to_string(planned) + " document(s) rejected";
  }
  plan.merges = merges_of(plan.records);
}

std::set<std::size_t> documents_named(std::string_view errors_json) {
  std::set<std::size_t> out;
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(errors_json, ec);
  if (ec || !v.is_array()) return out;
  for (const boost::json::value& e : v.as_array()) {
    const boost::json::value* d = e.is_object() ? e.as_object().if_contains("document") : nullptr;
    if (d == nullptr) continue;
    if (d->is_uint64()) out.insert(static_cast<std::size_t>(d->as_uint64()));
    if (d->is_int64() && d->as_int64() > 0) out.insert(static_cast<std::size_t>(d->as_int64()));
  }
  return out;
}

}  // namespace kq::pipeline
