#include "gateway/pipeline/consent_checks.hpp"

#include <algorithm>

#include "gateway/consent/registry.hpp"
#include "gateway/consent/subjects.hpp"
#include "gateway/core/json_codec.hpp"
#include "gateway/core/json_text.hpp"

namespace kq::pipeline {

namespace {

// The birth date of the person record `person_id` names within the batch, when there is one.
const store::RecordEnvelope* batch_person(const std::vector<store::RecordEnvelope>& records, const std::string& id) {
  for (const store::RecordEnvelope& r : records) {
    if (r.kind == "person" && r.id == id) return &r;
  }
  return nullptr;
}

}  // namespace

void check_consents(MessagePlan& plan, store::Store& store, int guardian_age) {
  if (plan.intended != KQ_OUTCOME_COMMITTED) return;
  const auto is_consent = [](const store::RecordEnvelope& r) { return r.kind == "consent"; };
  if (std::none_of(plan.records.begin(), plan.records.end(), is_consent)) return;
  std::unique_ptr<store::Reader> reader = store.reader();
  std::vector<core::FieldError> errors;
  for (std::size_t i = 0; i < plan.records.size(); ++i) {
    const store::RecordEnvelope& record = plan.records[i];
    if (!is_consent(record)) continue;
    const core::Decoded<core::Consent> decoded = core::from_json<core::Consent>(boost::json::value(record.body));
    if (!decoded.ok()) continue;  // the envelope was validated: this does not happen
    const core::Consent& consent = *decoded.value;
    // Always against the store: the rules across versions (a withdrawal is final) hold for a
    // consent that comes with its person as much as for any other.
    std::vector<core::FieldError> found;
    if (const store::RecordEnvelope* person = batch_person(plan.records, consent.person_id)) {
      const consent::SubjectInBatch subject{consent::birth_date_of(core::json_text(person->body))};
      found = consent::check_consent_write(*reader, consent, guardian_age, std::nullopt, &subject);
    } else {
      found = consent::check_consent_write(*reader, consent, guardian_age);
    }
    const std::string where = "records[" + std::to_string(i) + "].";
    for (core::FieldError& e : found) errors.push_back({where + e.path, std::move(e.message), e.kind});
  }
  if (errors.empty()) return;
  plan.intended = KQ_OUTCOME_CONTENT_ERROR;
  plan.reason = std::to_string(errors.size()) + " field error(s)";
  if (plan.document_mode == KQ_DOCUMENTS_INDEPENDENT) {
    // Consents are checked across the batch (a withdrawal and a grant may meet in it): a refusal
    // keeps the whole batch out, and the documents' own errors stay with it.
    for (plugin_host::DocumentResult& d : plan.documents) {
      d.accepted = false;
      d.records = 0;
    }
    errors.insert(errors.begin(), plan.errors.begin(), plan.errors.end());
  }
  plan.errors = std::move(errors);
  plan.records.clear();
  plan.identities.clear();
  plan.merges.clear();
  // As for every content error: a reused key is still caught, and the corrected resend takes it.
  if (plan.dedupe) plan.dedupe->claim = false;
}

}  // namespace kq::pipeline
