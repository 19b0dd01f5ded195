// Derived school-health values: records per second through the 2014 fitness scoring and the
// vision rules, against the same loop doing only the table look-ups, in the same run.
//
//   (a) baseline: per fitness test, the look-ups alone: BMI from height and weight, its band,
//       each item's score and bonus (lookup_bmi, lookup_item, lookup_bonus). No weights, no
//       totals, no refusal texts, no record written: the floor of any scorer on these tables.
//   (b) score: score_fitness (items, weighted standard score, bonus, total, level, refusals).
//   (c) score + apply: a copy of the record as it arrived, (b), then apply_fitness writing the
//       values into it and comparing the sender's own scores (the copy is counted).
//   (d) vision: assess_vision + apply_vision per screening (SE, 视力不良 grade, myopia flag).
//   (e) batch: derive_records over envelopes (JSON bodies decoded, derived, encoded again, alerts
//       appended), per record, as a batch transport calls it.
// Single-threaded, timed in thread CPU time; runs alternate so that all see the same noise;
// medians are reported with the ratio to (a). The records are a first-grade (小学一年级) class
// of boys and girls with values spread over the tables, so some girls' items fall where the
// shipped tables have gaps and are refused, as real batches would be.
// Usage: kq_bench_derived_score [--seconds S] [--runs N] [--records N]
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "gateway/core/json_codec.hpp"
#include "gateway/core/model.hpp"
#include "gateway/core/record_validation.hpp"
#include "gateway/derived/derive_records.hpp"
#include "gateway/derived/fitness_score.hpp"
#include "gateway/derived/school_health_rules.hpp"
#include "hl7v2_bench_common.hpp"

namespace kq::bench {
namespace {

using hl7::die;

struct Subject {
  derived::FitnessSubject subject;
  derived::Sex sex;
};

core::FitnessItem item(const char* code, double value) {
  core::FitnessItem i;
  i.item_code = code;
  i.raw_value = value;
  i.status = "measured";
  return i;
}

struct Data {
  std::vector<core::FitnessTest> tests;
  std::vector<Subject> subjects;
  std::vector<core::VisionScreening> screenings;
  std::vector<core::RecordEnvelope> envelopes;  // persons, enrollments, tests
};

Data make_data(std::size_t count) {
  Data d;
  std::mt19937 random(20240510);  // fixed: every run scores the same records
  auto uniform = [&](double lo, double hi, double step) {
    const auto steps = static_cast<int>((hi - lo) / step);
    return lo + step * std::uniform_int_distribution<int>(0, steps)(random);
  };
  for (std::size_t i = 0; i < count; ++i) {
    const bool boy = i % 2 == 0;
    core::FitnessTest t;
    t.id = "ft-" + std::to_string(i);
    t.person_id = "p-" + std::to_string(i);
    t.org_id = "school-1";
    t.test_date = core::PartialDate::ymd(2024, 4, 1);
    t.items = {item("height", uniform(110, 135, 0.1)), item("weight", uniform(16, 35, 0.1)),
               item("vital_capacity", uniform(400, 1900, 1)), item("run_50m", uniform(9.8, 14.0, 0.1)),
               item("sit_and_reach", uniform(-5, 19, 0.1)), item("rope_skip_1min", uniform(0, 130, 1))};
    t.total_score = uniform(40, 100, 0.1);  // the school system's own figure
    d.tests.push_back(t);
    d.subjects.push_back({{boy ? "1" : "2", "11"}, boy ? derived::Sex::male : derived::Sex::female});

    core::VisionScreening v;
    v.id = "vs-" + std::to_string(i);
    v.person_id = t.person_id;
    v.org_id = "school-1";
    v.date = core::PartialDate::ymd(2024, 5, 10);
    for (auto* eye : {&v.right_eye, &v.left_eye}) {
      *eye = core::EyeExam{};
      (*eye)->ucva_5pt = uniform(4.0, 5.3, 0.1);
      (*eye)->sphere_ds = uniform(-6, 2, 0.25);
      (*eye)->cylinder_dc = uniform(-2, 0, 0.25);
    }
    d.screenings.push_back(v);

    core::Person person;
    person.id = t.person_id;
    person.sex = d.subjects.back().subject.sex;
    core::Enrollment enrollment;
    enrollment.id = "e-" + std::to_string(i);
    enrollment.person_id = t.person_id;
    enrollment.org_id = "school-1";
    enrollment.grade = "11";
    d.envelopes.push_back(core::to_envelope(person));
    d.envelopes.push_back(core::to_envelope(enrollment));
    d.envelopes.push_back(core::to_envelope(t));
  }
  return d;
}

// (a): the table look-ups of one test, nothing else.
std::size_t lookups_only(const derived::FitnessTables& tables, const core::FitnessTest& t, derived::Sex sex) {
  const std::size_t grade = 0;  // 11
  std::size_t sum = 0;
  const auto bmi = core::bmi(*t.items[0].raw_value, *t.items[1].raw_value);
  if (bmi) sum += static_cast<std::size_t>(derived::lookup_bmi(tables, sex, grade, *bmi).score);
  for (std::size_t i = 2; i < t.items.size(); ++i) {
    const auto code = *derived::parse_item_code(t.items[i].item_code);
    const double value = *t.items[i].raw_value;
    sum += static_cast<std::size_t>(derived::lookup_item(tables, code, sex, grade, value).score.value_or(0));
    sum += static_cast<std::size_t>(derived::lookup_bonus(tables, code, sex, grade, value).points.value_or(0));
  }
  return sum;
}

int run(int argc, char** argv) {
  hl7::g_program = "kq_bench_derived_score";
  double seconds = 1.0;
  std::size_t runs = 5, records = 30000;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) die("missing value after " + arg);
    if (arg == "--seconds") {
      seconds = std::atof(argv[++i]);
    } else if (arg == "--runs") {
      runs = static_cast<std::size_t>(std::atol(argv[++i]));
    } else if (arg == "--records") {
      records = static_cast<std::size_t>(std::atol(argv[++i]));
    } else {
      die("unknown option " + arg + " (--seconds S, --runs N, --records N)");
    }
  }
  if (seconds <= 0 || runs == 0 || records == 0) die("--seconds, --runs and --records must be positive");

  std::vector<config::ConfigError> errors;
  const auto rules = derived::load_school_health_rules(
      derived::school_health_rules_dir(std::filesystem::path(KQ_SOURCE_DIR) / "mappings"), errors);
  if (!rules) die("rules do not load: " + (errors.empty() ? std::string() : errors.front().str()));
  const derived::FitnessTables& tables = *rules->fitness;
  Data data = make_data(records);

  std::size_t totals = 0, refusals = 0;
  for (std::size_t i = 0; i < records; ++i) {
    const auto s = derived::score_fitness(tables, data.tests[i], data.subjects[i].subject);
    totals += s.total_score ? 1 : 0;
    refusals += s.refusals.size();
  }
  std::printf("%zu fitness tests (小学一年级, half boys, half girls) with rules %s\n", records, rules->versions().c_str());
  std::printf("  totals computed for %zu; %zu refusals (items where the shipped tables have gaps, and the totals they block)\n", totals, refusals);

  std::size_t a = 0, b = 0, c = 0, v = 0;
  const core::DateTime now = core::DateTime::now();
  std::vector<core::RecordEnvelope> batch;
  std::size_t batch_at = data.envelopes.size();
  const std::vector<hl7::Variant> variants = {
      {"(a)", [&] {
         const std::size_t i = a++ % records;
         return lookups_only(tables, data.tests[i], data.subjects[i].sex);
       }},
      {"(b)", [&] {
         const std::size_t i = b++ % records;
         return derived::score_fitness(tables, data.tests[i], data.subjects[i].subject).items.size();
       }},
      {"(c)", [&] {
         const std::size_t i = c++ % records;
         // Applied to a copy, so that every call writes into a record as it arrived (the BMI item
         // added, the sender's total compared) rather than into one already derived.
         core::FitnessTest test = data.tests[i];
         const auto score = derived::score_fitness(tables, test, data.subjects[i].subject);
         return derived::apply_fitness(test, score).size() + test.items.size();
       }},
      {"(d)", [&] {
         const std::size_t i = v++ % records;
         const auto findings = derived::assess_vision(*rules->vision, data.screenings[i], {});
         return derived::apply_vision(data.screenings[i], findings).size() + findings.refusals.size();
       }},
      {"(e)", [&] {
         // One fitness test with its person and enrollment per call, copied from the prepared
         // envelopes (derive_records rewrites bodies in place); the copy is counted, as a
         // transport holds such a copy anyway.
         if (batch_at + 3 > data.envelopes.size()) batch_at = 0;
         std::vector<core::RecordEnvelope> one(data.envelopes.begin() + static_cast<std::ptrdiff_t>(batch_at),
                                               data.envelopes.begin() + static_cast<std::ptrdiff_t>(batch_at + 3));
         batch_at += 3;
         const derived::DeriveContext context{*rules, now, {}, {}};
         return derived::derive_records(one, context).derived + one.size();
       }},
  };
  const hl7::Medians m = hl7::measure_interleaved(variants, runs, seconds, 2, 256);
  const auto& r = m.per_cpu_second;
  std::printf("median of %zu runs, records per CPU second (one thread):\n", runs);
  std::printf("  (a) baseline: table look-ups only:      %9.0f tests/s  (%.2f us/test)\n", r[0], 1e6 / r[0]);
  std::printf("  (b) score_fitness:                      %9.0f tests/s  (%.2f us/test)  ratio to (a) %.2f\n", r[1],
              1e6 / r[1], r[1] / r[0]);
  std::printf("  (c) copy + score + apply_fitness:       %9.0f tests/s  (%.2f us/test)  ratio to (a) %.2f\n", r[2],
              1e6 / r[2], r[2] / r[0]);
  std::printf("  (d) vision assess + apply:              %9.0f screenings/s (%.2f us)\n", r[3], 1e6 / r[3]);
  std::printf("  (e) derive_records, JSON bodies:        %9.0f tests/s  (%.2f us/test, with its person and enrollment)\n",
              r[4], 1e6 / r[4]);
  std::printf("  a POS batch of 30000 tests by (e):      %9.2f s of one core\n", 30000 / r[4]);
  std::printf("  a roster of 1000000 tests by (e):       %9.1f s of one core\n", 1e6 / r[4]);
  return 0;
}

}  // namespace
}  // namespace kq::bench

int main(int argc, char** argv) { return kq::bench::run(argc, argv); }
