#include "gateway/config/consent_settings.hpp"

#include <map>
#include <set>

#include "gateway/config/values.hpp"
#include "gateway/core/data_category.hpp"
#include "gateway/core/purpose_of_use.hpp"

namespace kq::config {

bool ConsentConfig::knows_purpose(std::string_view code) const {
  if (core::is_hl7_purpose_of_use(code)) return true;
  for (const LocalPurposeConfig& p : purposes) {
    if (p.code == code) return true;
  }
  return false;
}

std::optional<std::string> region_prefix(std::string_view code) {
  if (code.size() != 6) return std::nullopt;
  for (char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  if (code == "000000") return std::nullopt;
  // 110000 → 11 (the province), 110100 → 1101 (the city), 110108 → 110108 (the county).
  if (code.substr(2) == "0000") return std::string(code.substr(0, 2));
  if (code.substr(4) == "00") return std::string(code.substr(0, 4));
  return std::string(code);
}

namespace {

void error(std::vector<ConfigError>& errors, SourceLocation where, std::string message) {
  errors.push_back({std::move(where), std::move(message)});
}

std::vector<std::string> known_purpose_codes(const ConsentConfig& consent) {
  std::vector<std::string> codes;
  for (const core::PurposeOfUse& p : core::hl7_purposes_of_use()) codes.emplace_back(p.code);
  for (const LocalPurposeConfig& p : consent.purposes) codes.push_back(p.code);
  return codes;
}

// Each item of the list `key` of block `b` must be a known purpose.
void check_purposes(const Block& b, const char* key, const std::string& owner, const ConsentConfig& consent,
                    std::vector<ConfigError>& errors) {
  const std::vector<std::string>& list = b.get_string_list(key);
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (consent.knows_purpose(list[i])) continue;
    std::string message = owner + ": unknown purpose of use " + quote_found(list[i]);
    if (auto near = nearest_name(list[i], known_purpose_codes(consent))) {
      message += "; did you mean '" + *near + "'?";
    } else {
      message += "; use an HL7 v3 PurposeOfUse code (TREAT, PUBHLTH, HRESCH, …) or declare it in consent.purposes";
    }
    error(errors, b.item_location(key, i), std::move(message));
  }
}

}  // namespace

void read_consent_settings(const Block& consent, ConsentConfig& out, std::vector<ConfigError>& errors) {
  out.default_decision = consent.get_string("default");
  out.guardian_age = static_cast<std::uint32_t>(consent.get_int("guardian_age"));
  std::map<std::string, SourceLocation> seen;
  for (const Block& b : consent.get_object_list("purposes")) {
    LocalPurposeConfig p;
    p.code = b.get_string("code");
    p.display = b.get_string("display");
    p.where = b.where();
    if (!b.has("code")) continue;
    if (auto problem = core::check_purpose_code(p.code)) {
      error(errors, b.location("code"), "purpose code " + quote_found(p.code) + " " + *problem);
      continue;
    }
    if (core::is_hl7_purpose_of_use(p.code)) {
      error(errors, b.location("code"), "'" + p.code + "' is an HL7 v3 purpose of use already; local codes must differ");
      continue;
    }
    auto [it, inserted] = seen.emplace(p.code, b.location("code"));
    if (!inserted) {
      error(errors, b.location("code"),
            "duplicate purpose code '" + p.code + "' (first at line " + std::to_string(it->second.line) + ")");
      continue;
    }
    out.purposes.push_back(std::move(p));
  }
}

void read_principal_access(const Block& b, const ConsentConfig& consent, PrincipalConfig& p,
                           std::vector<ConfigError>& errors) {
  p.purposes = b.get_string_list("purposes");
  check_purposes(b, "purposes", "principal '" + p.name + "'", consent, errors);
  const Block& j = b.get_object("jurisdiction");
  p.jurisdiction.organisations = j.get_string_list("organisations");
  for (std::size_t i = 0; i < p.jurisdiction.organisations.size(); ++i) {
    if (p.jurisdiction.organisations[i].empty()) {
      error(errors, j.item_location("organisations", i), "an organisation id is empty");
    }
  }
  const std::vector<std::string>& regions = j.get_string_list("regions");
  for (std::size_t i = 0; i < regions.size(); ++i) {
    if (!region_prefix(regions[i])) {
      error(errors, j.item_location("regions", i),
            "region " + quote_found(regions[i]) +
                " is not a GB/T 2260 code: six digits, e.g. 110000 (a province), 110100 (a city), 110108 (a county); "
                "quote it so that YAML keeps it as text");
      continue;
    }
    p.jurisdiction.regions.push_back(regions[i]);
  }
}

void read_statutory_flows(const Block& consent, const std::vector<PrincipalConfig>& principals, ConsentConfig& out,
                          std::vector<ConfigError>& errors) {
  std::set<std::string> organisations;
  for (const PrincipalConfig& p : principals) organisations.insert(p.organisation);
  std::map<std::string, SourceLocation> seen;
  for (const Block& b : consent.get_object_list("statutory")) {
    StatutoryFlowConfig f;
    f.name = b.get_string("name");
    f.organisation = b.get_string("organisation");
    f.purposes = b.get_string_list("purposes");
    f.categories = b.get_string_list("categories");
    f.legal_basis = b.get_string("legal_basis");
    f.where = b.where();
    const std::string owner = "statutory flow '" + f.name + "'";
    if (b.has("name")) {
      auto [it, inserted] = seen.emplace(f.name, b.location("name"));
      if (!inserted) {
        error(errors, b.location("name"),
              "duplicate statutory flow name '" + f.name + "' (first at line " + std::to_string(it->second.line) + ")");
      }
    }
    check_purposes(b, "purposes", owner, out, errors);
    for (std::size_t i = 0; i < f.categories.size(); ++i) {
      if (!core::parse_data_category(f.categories[i])) {
        error(errors, b.item_location("categories", i),
              owner + ": unknown data category " + quote_found(f.categories[i]) + "; categories are " +
                  core::data_category_codes());
      }
    }
    if (b.has("legal_basis") && f.legal_basis.find_first_not_of(" \t") == std::string::npos) {
      error(errors, b.location("legal_basis"), owner + ": legal_basis is empty; cite the law or notice");
    }
    // A mistyped organisation id would leave the duty unmet with nothing but denials to show.
    if (b.has("organisation") && !organisations.contains(f.organisation)) {
      error(errors, b.location("organisation"),
            owner + ": no principal acts for organisation " + quote_found(f.organisation) +
                "; the flow could never apply");
    }
    out.statutory.push_back(std::move(f));
  }
}

}  // namespace kq::config
