// Consent enforcement benchmark: records decided per second for pages of 1,000 stored records, as
// the pull API decides them before paging, against a baseline measured in the same run.
//
// The store holds 250 children of a school (born 2010–2016), four observations each (vital
// signs, fitness, vision, the odd mental-health survey), and a realistic consent set per child:
// the school-health consent a parent signed (separate, for the CDC), often a hospital treatment
// consent, sometimes a withdrawn earlier one or a refusal of research.
//
//   (a) baseline: per record, the jurisdiction check and the subject's hash lookup in a prepared
//       table — the least any per-record filter costs, with no rule applied.
//   (b) decide: decide() on prepared facts (the pure decision).
//   (p) parse: boost::json::parse of every row's body — what the pull API spends on a page
//       anyway to serve it, the baseline (c) compares with.
//   (r) read subjects: Reader::consent_subjects for the page's subjects (the SQL alone), and
//   (t) subject table: subject_table() on rows read once (parsing persons and consents alone),
//       the two parts of (c) that are per subject rather than per record.
//   (c) decide_page: the whole page from stored rows — the subjects' persons and current
//       consents read in one snapshot, bodies parsed, organisations placed, every record decided.
// Single-threaded, in thread CPU time; runs alternate (a, b, p, c, a, b, p, c, ...) and medians
// are reported. The pull target is >= 100,000 records/s with consent on, i.e. for (c).
// Usage: kq_bench_consent [--seconds S] [--runs N] [--subjects N]
#include <filesystem>
#include <future>
#include <random>
#include <string>
#include <unistd.h>

#include <boost/json/parse.hpp>

#include "gateway/consent/page.hpp"
#include "gateway/consent/record_facts.hpp"
#include "gateway/consent/subjects.hpp"
#include "gateway/core/json_codec.hpp"
#include "gateway/log/log.hpp"
#include "hl7v2_bench_common.hpp"

namespace kq::bench {
namespace {

using hl7::die;
using hl7::g_sink;
using hl7::measure;
using hl7::Rate;

constexpr const char* kMrn = "urn:oid:2.16.156.10011.1.13";
constexpr int kRecordsPerSubject = 4;

core::DateTime at(const std::string& iso) {
  auto parsed = core::DateTime::parse_iso(iso);
  if (!parsed) die(iso + ": " + parsed.error());
  return *parsed;
}
core::PartialDate on(const std::string& iso) {
  auto parsed = core::PartialDate::parse_iso(iso);
  if (!parsed) die(iso + ": " + parsed.error());
  return *parsed;
}

core::Consent consent(const std::string& id, std::vector<std::string> purposes, std::vector<std::string> categories,
                      std::vector<std::string> recipients, const std::string& granted) {
  core::Consent c;
  c.id = id;
  c.person_id = "p";
  c.org_id = "org-school";
  c.status = "active";
  c.grantor = core::ConsentGrantor{std::nullopt, std::nullopt, std::string("52")};
  c.grantor_is_guardian = true;
  c.purposes = std::move(purposes);
  c.data_categories = std::move(categories);
  c.recipients = std::move(recipients);
  c.separate_consent = true;
  c.lawful_basis = "consent";
  c.granted_at = at(granted + "T09:00:00+08:00");
  c.period = core::DatePeriod{on(granted), on("2026-08-31")};
  return c;
}

void add(store::WriteBatch& b, const core::Consent& c) {
  b.records.push_back({"consent", c.id, "p", c.org_id, core::to_json(c), false, {}});
}

// One child: person, consents and observations in one batch, as an import would write them.
store::WriteBatch child(int n, std::mt19937& random) {
  const auto pick = [&](int k) { return std::uniform_int_distribution<int>(0, k - 1)(random); };
  const std::string tag = std::to_string(n);
  store::WriteBatch b;
  b.identities = {{"p", kMrn, "MRN-" + tag}};
  char birth[40];
  std::snprintf(birth, sizeof birth, "%04d-%02d-%02d", 2010 + pick(7), 1 + pick(12), 1 + pick(28));
  b.records.push_back({"person", "p", "", "", {{"id", "p"}, {"birth_date", birth}}, false, {}});
  add(b, consent("c-school-" + tag, {"PUBHLTH"}, {"health_exam", "physical_fitness", "vision", "demographics"},
                 {"org-cdc"}, "2024-09-0" + std::to_string(1 + pick(9))));
  if (pick(2) == 0) add(b, consent("c-hosp-" + tag, {"TREAT"}, {"encounter", "diagnosis", "laboratory"}, {"org-hospital"}, "2024-03-15"));
  if (pick(5) == 0) {
    core::Consent old = consent("c-old-" + tag, {"PUBHLTH"}, {"health_exam"}, {"org-cdc"}, "2023-09-01");
    old.status = "withdrawn";
    old.withdrawn_at = at("2024-06-30T12:00:00+08:00");
    add(b, old);
  }
  if (pick(5) == 0) {
    core::Consent no = consent("c-no-" + tag, {"HRESCH"}, {"mental_health"}, {"org-cdc"}, "2024-10-01");
    no.status = "rejected";
    add(b, no);
  }
  static const char* kCategories[] = {"vital-signs", "activity", "exam", "vital-signs", "survey"};
  for (int k = 0; k < kRecordsPerSubject; ++k) {
    const std::string id = "o-" + tag + "-" + std::to_string(k);
    const char* category = kCategories[pick(5)];
    b.records.push_back({"observation", id, "p", "org-school",
                         {{"id", id}, {"person_id", "p"}, {"org_id", "org-school"}, {"category", category},
                          {"effective_time", "2024-10-12T09:30:00+08:00"}},
                         false,
                         {}});
  }
  return b;
}

store::WriteResult submit(store::Store& s, store::WriteBatch batch) {
  std::promise<store::WriteResult> done;
  auto result = done.get_future();
  s.submit(std::move(batch), [&done](store::WriteResult r) { done.set_value(std::move(r)); });
  return result.get();
}

consent::Request cdc_request() {
  config::GatewayConfig config;
  config::PrincipalConfig cdc;
  cdc.name = "district-cdc";
  cdc.organisation = "org-cdc";
  cdc.roles = {"records.pull"};
  cdc.purposes = {"PUBHLTH"};
  cdc.jurisdiction.regions = {"110000"};
  config.principals.push_back(cdc);
  const consent::Policy policy(config);
  auto opened = policy.open("district-cdc", "PUBHLTH", at("2025-03-01T10:00:00+08:00").utc_millis());
  if (!std::holds_alternative<consent::Request>(opened)) die(std::get<consent::Refusal>(opened).message);
  return std::get<consent::Request>(opened);
}

int run(int argc, char** argv) {
  hl7::g_program = "kq_bench_consent";
  log::set_level(log::Level::warn);  // the store logs every migration and open
  double seconds = 1.0;
  std::size_t runs = 5;
  int subjects = 250;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) die("missing value after " + std::string(arg));
    if (arg == "--seconds") {
      seconds = std::atof(argv[++i]);
    } else if (arg == "--runs") {
      runs = static_cast<std::size_t>(std::atol(argv[++i]));
    } else if (arg == "--subjects") {
      subjects = std::atoi(argv[++i]);
    } else {
      die("unknown option " + std::string(arg) + " (--seconds S, --runs N, --subjects N)");
    }
  }
  if (seconds <= 0 || runs == 0 || subjects <= 0) die("--seconds, --runs and --subjects must be positive");

  std::string pattern = (std::filesystem::temp_directory_path() / "kq-consent-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) die("mkdtemp failed");
  const std::filesystem::path dir = pattern;
  store::SqliteOptions options;
  options.path = dir / "kq.db";
  auto db = store::make_sqlite_store(options);
  std::mt19937 random(20250301);
  {
    store::WriteBatch school;
    school.records.push_back({"organization", "org-school", "", "org-school",
                              {{"id", "org-school"}, {"name", "school"}, {"admin_code", "110108"}}, false, {}});
    if (submit(*db, std::move(school)).status != store::WriteStatus::committed) die("cannot write the school");
  }
  for (int n = 0; n < subjects; ++n) {
    const store::WriteResult r = submit(*db, child(n, random));
    if (r.status != store::WriteStatus::committed) die("write failed: " + r.error);
  }
  auto reader = db->reader();
  std::vector<store::StoredRecord> page;
  for (std::int64_t after = 0;;) {
    std::vector<store::StoredRecord> rows = reader->changes_since(after, 1000);
    if (rows.empty()) break;
    after = rows.back().seq;
    for (store::StoredRecord& row : rows) {
      if (row.kind == "observation") page.push_back(std::move(row));
    }
  }
  const consent::Request request = cdc_request();

  // Prepared once for (a) and (b): what decide_page builds on every call.
  const consent::PageDecisions prepared = consent::decide_page(request, *reader, page);
  std::size_t permitted = 0;
  for (const consent::Decision& d : prepared.decisions) permitted += d.permitted() ? 1 : 0;
  std::printf("page: %zu observations of %d children, %zu permitted; %zu runs of %.1f s each\n", page.size(),
              subjects, permitted, runs, seconds);

  const auto baseline = [&] {
    std::size_t kept = 0;
    for (const consent::RecordFacts& r : prepared.records) {
      if (request.requester.jurisdiction.covers(r.places) && prepared.subjects.count(r.subject) != 0) ++kept;
    }
    return kept;
  };
  const auto decide_only = [&] {
    std::size_t kept = 0;
    for (const consent::RecordFacts& r : prepared.records) {
      kept += consent::decide(request, r, prepared.subjects).permitted() ? 1 : 0;
    }
    return kept;
  };
  const auto parse_page = [&] {
    std::size_t members = 0;
    for (const store::StoredRecord& row : page) members += boost::json::parse(row.body_json).as_object().size();
    return members;
  };
  std::vector<std::string> subject_ids;
  for (const auto& entry : prepared.subjects) subject_ids.push_back(entry.first);
  const store::ConsentSubjectRows subject_rows = reader->consent_subjects(subject_ids);
  const auto read_subjects = [&] { return reader->consent_subjects(subject_ids).consents.size(); };
  const auto build_table = [&] { return consent::subject_table(subject_rows, request.guardian_age).size(); };
  const auto whole_page = [&] {
    const consent::PageDecisions decided = consent::decide_page(request, *reader, page);
    std::size_t kept = 0;
    for (const consent::Decision& d : decided.decisions) kept += d.permitted() ? 1 : 0;
    return kept;
  };
  const char* labels[] = {"(a) baseline", "(b) decide", "(p) parse", "(r) read", "(t) table", "(c) decide_page"};
  const std::function<std::size_t()> variants[] = {baseline,      decide_only, parse_page,
                                                   read_subjects, build_table, whole_page};
  constexpr std::size_t kVariants = 6;
  std::vector<double> rates[kVariants], walls[kVariants];
  const double per_page = static_cast<double>(page.size());
  for (std::size_t r = 1; r <= runs; ++r) {
    std::printf("run %zu:", r);
    for (std::size_t v = 0; v < kVariants; ++v) {
      const Rate rate = measure(seconds, variants[v], v >= 2 ? 1 : 16);
      rates[v].push_back(rate.per_cpu_second * per_page);
      walls[v].push_back(rate.per_wall_second * per_page);
      std::printf("%s %s %10.0f records/s", v == 0 ? "" : " |", labels[v], rates[v].back());
    }
    std::printf("\n");
  }
  const double a = median(rates[0]), b = median(rates[1]), p = median(rates[2]), c = median(rates[5]);
  const double r = median(rates[3]), t = median(rates[4]);
  std::printf("median of %zu runs, records per CPU second (one thread):\n", runs);
  std::printf("  (a) baseline (jurisdiction + subject lookup): %11.0f records/s  (%.3f us/record)\n", a, 1e6 / a);
  std::printf("  (b) decide, facts prepared:                   %11.0f records/s  (%.3f us/record)\n", b, 1e6 / b);
  std::printf("  (p) parse every body:                        %11.0f records/s  (%.3f us/record)\n", p, 1e6 / p);
  std::printf("  (r) read the subjects (SQL):                 %11.0f records/s  (%.2f ms/page)\n", r, 1e3 * per_page / r);
  std::printf("  (t) subject table (parse persons, consents): %11.0f records/s  (%.2f ms/page)\n", t, 1e3 * per_page / t);
  std::printf("  (c) decide_page from stored rows:             %11.0f records/s  (%.3f us/record, %.2f ms/page)\n",
              c, 1e6 / c, 1e3 * per_page / c);
  std::printf("  ratios (b)/(a) %.2f, (c)/(p) %.2f\n", b / a, c / p);
  std::printf("  (c) >= 100000 records/s:                      %11s\n", c >= 100000 ? "met" : "NOT met");
  std::printf("  wall clock, for reference: (a) %.0f, (b) %.0f, (p) %.0f, (c) %.0f records/s\n", median(walls[0]),
              median(walls[1]), median(walls[2]), median(walls[5]));
  g_sink = g_sink + permitted;
  reader.reset();
  db->shutdown();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}

}  // namespace
}  // namespace kq::bench

int main(int argc, char** argv) { return kq::bench::run(argc, argv); }
