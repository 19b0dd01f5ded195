#include "pull_bench_store.hpp"

#include <chrono>
#include <fstream>
#include <future>
#include <random>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "gateway/core/disclosure_facts.hpp"
#include "gateway/core/json_codec.hpp"
#include "gateway/store/sqlite_schema.hpp"
#include "gateway/store/store.hpp"
#include "tests/support/dates.hpp"
#include "tests/support/pull_config.hpp"

namespace kq::bench::pull_data {

namespace {

using ::kq::testing::at;
using ::kq::testing::on;

constexpr const char* kMrn = "urn:oid:2.16.156.10011.1.13";
constexpr int kObservationsPerChild = 6;
// Batches in flight while building: enough for the writer to group-commit hundreds at a time.
constexpr std::size_t kWindow = 512;

core::Consent consent(const std::string& id, std::vector<std::string> purposes, std::vector<std::string> categories,
                      std::vector<std::string> recipients, const std::string& granted) {
  core::Consent c;
  c.id = id;
  c.person_id = "p";
  c.org_id = kHospital;
  c.status = "active";
  c.grantor = core::ConsentGrantor{std::nullopt, std::nullopt, std::string("52")};
  c.grantor_is_guardian = true;
  c.purposes = std::move(purposes);
  c.data_categories = std::move(categories);
  c.recipients = std::move(recipients);
  c.separate_consent = true;
  c.lawful_basis = "consent";
  c.granted_at = at((granted + "T09:00:00+08:00").c_str());
  c.period = core::DatePeriod{on(granted.c_str()), on("2026-08-31")};
  return c;
}

// A school health-exam observation about the size the mappings produce (~600 bytes stored).
boost::json::object observation(const std::string& id, const char* category, const char* loinc, double value,
                                const char* unit) {
  return {{"id", id},
          {"person_id", "p"},
          {"org_id", kHospital},
          {"status", "final"},
          {"category", category},
          {"code", {{"system", "http://loinc.org"}, {"code", loinc}}},
          {"effective_time", "2024-10-12T09:30:00+08:00"},
          {"issued", "2024-10-12T10:02:11+08:00"},
          {"value", {{"quantity", value}, {"unit", unit}, {"system", "http://unitsofmeasure.org"}}},
          {"method", {{"code", "school-exam"}, {"display", "学生健康体检"}}},
          {"encounter", {{"kind", "school-health-exam"}, {"school_year", "2024-2025"}, {"grade", "5"}}},
          {"provenance",
           {{"mapping", "card_reader_exam@2"},
            {"received_at", "2024-10-12T10:05:40+08:00"},
            {"source_record", "HD0117-20241012-" + id}}}};
}

store::WriteBatch child(std::size_t n, std::mt19937& random, std::size_t& records) {
  const auto pick = [&](int k) { return std::uniform_int_distribution<int>(0, k - 1)(random); };
  const std::string tag = std::to_string(n);
  store::WriteBatch b;
  b.identities = {{"p", kMrn, "MRN-" + tag}};
  char birth[40];
  std::snprintf(birth, sizeof birth, "%04d-%02d-%02d", 2010 + pick(7), 1 + pick(12), 1 + pick(28));
  b.records.push_back({"person", "p", "", "",
                       {{"id", "p"},
                        {"birth_date", birth},
                        {"sex", pick(2) == 0 ? "1" : "2"},
                        {"addresses", boost::json::array{{{"use", "home"}, {"admin_code", "110105"}}}}},
                       false,
                       {}});
  const auto add = [&](const core::Consent& c) { b.records.push_back({"consent", c.id, "p", c.org_id, core::to_json(c), false, {}}); };
  const int roll = pick(100);
  const std::vector<std::string> school = {"health_exam", "physical_fitness", "vision", "demographics"};
  if (roll < 85) {
    add(consent("c-cdc-" + tag, {"PUBHLTH"}, school, {kCdc}, "2024-09-02"));
  } else if (roll < 91) {
    core::Consent withdrawn = consent("c-cdc-" + tag, {"PUBHLTH"}, school, {kCdc}, "2024-09-02");
    withdrawn.status = "withdrawn";
    withdrawn.withdrawn_at = at("2025-01-20T12:00:00+08:00");
    add(withdrawn);
  }
  if (pick(3) == 0) add(consent("c-treat-" + tag, {"TREAT"}, {"encounter", "diagnosis", "laboratory"}, {kHospital}, "2024-03-15"));
  struct Item {
    const char* category;
    const char* loinc;
    double value;
    const char* unit;
  };
  static const Item kItems[] = {{"vital-signs", "8302-2", 142.5, "cm"},  {"vital-signs", "29463-7", 36.2, "kg"},
                                {"exam", "8480-6", 104, "mm[Hg]"},       {"activity", "LA-50m", 8.9, "s"},
                                {"vital-signs", "39156-5", 17.8, "kg/m2"}, {"survey", "44261-6", 4, "{score}"}};
  for (int k = 0; k < kObservationsPerChild; ++k) {
    // One child in ten has a mental-health survey in place of one exam item.
    const Item& item = kItems[k == 5 && pick(10) != 0 ? 0 : k];
    const std::string id = "o-" + tag + "-" + std::to_string(k);
    b.records.push_back({"observation", id, "p", kHospital, observation(id, item.category, item.loinc, item.value, item.unit),
                         true, {}});
  }
  if (pick(50) == 0) {
    const std::string id = "d-" + tag;
    b.records.push_back({"diagnosis", id, "p", kHospital,
                         {{"id", id},
                          {"person_id", "p"},
                          {"org_id", kHospital},
                          {"code", {{"system", "ICD-10"}, {"code", "B05.9"}, {"display", "麻疹"}}},
                          {"onset", "2024-11-02"}},
                         true,
                         {}});
  }
  records += b.records.size();
  return b;
}

std::filesystem::path marker_of(const std::filesystem::path& path) { return path.string() + ".built"; }

}  // namespace

config::GatewayConfig pull_config() { return ::kq::testing::cdc_pull_config(kPrincipal, kCdc); }

DataSet build_or_reuse(const std::filesystem::path& path, std::size_t records) {
  DataSet set;
  {
    std::ifstream marker(marker_of(path));
    std::size_t asked = 0;
    std::int64_t facts = 0;
    int schema = 0;
    // A store written by an older build lacks what a newer writer stores (migration 6's facts),
    // and the pull would measure the fallback path: rebuild it.
    if (marker >> asked >> set.records >> set.persons >> schema >> facts && asked == records &&
        schema == store::sqlite::latest_schema_version() && facts == core::disclosure_facts_version() &&
        std::filesystem::exists(path)) {
      set.reused = true;
      return set;
    }
  }
  for (const char* suffix : {"", "-wal", "-shm", ".built"}) {
    std::error_code ec;
    std::filesystem::remove(path.string() + suffix, ec);
  }
  std::filesystem::create_directories(path.parent_path());
  const auto start = std::chrono::steady_clock::now();
  store::SqliteOptions options;
  options.path = path;
  auto db = store::make_sqlite_store(options);
  std::mt19937 random(20250301);
  std::vector<std::future<store::WriteResult>> pending;
  const auto drain = [&] {
    for (auto& f : pending) {
      const store::WriteResult r = f.get();
      if (r.status != store::WriteStatus::committed) die("building the store failed: " + r.error);
    }
    pending.clear();
  };
  const auto submit = [&](store::WriteBatch batch) {
    auto done = std::make_shared<std::promise<store::WriteResult>>();
    pending.push_back(done->get_future());
    db->submit(std::move(batch), [done](store::WriteResult r) { done->set_value(std::move(r)); });
    if (pending.size() >= kWindow) drain();
  };
  store::WriteBatch hospital;
  hospital.records.push_back({"organization", kHospital, "", kHospital,
                              {{"id", kHospital}, {"name", "北京市朝阳区儿童医院"}, {"admin_code", "110108"}}, false, {}});
  submit(std::move(hospital));
  set.records = 1;
  while (set.records < records) submit(child(set.persons++, random, set.records));
  drain();
  db->shutdown();
  db.reset();
  set.build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ofstream marker(marker_of(path));
  marker << records << ' ' << set.records << ' ' << set.persons << ' ' << store::sqlite::latest_schema_version()
         << ' ' << core::disclosure_facts_version() << '\n';
  if (!marker) die("cannot write " + marker_of(path).string());
  return set;
}

}  // namespace kq::bench::pull_data
