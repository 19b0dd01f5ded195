// The same roster as CSV, as an Excel workbook and as XML, read by the roster drop's readers
// (runtime/roster_reader.hpp) in chunks of 5,000 and each record mapped on its own, as the
// pipeline maps it (head + record + tail; roster-csv for CSV and XLSX rows, roster-xml for XML
// records) — without the store, whose cost per student does not depend on the file's kind
// (kq_bench_roster_sync measures it). The CSV file is the baseline of the same run: what an XLSX
// or XML roster costs more, in time and in memory.
//
// Each kind runs in a child process of its own, so its peak RSS is its own. The workbook is written
// the way spreadsheet programs write one: shared strings, one <row> per student.
//
// Usage: kq_bench_roster_readers [--rows N] [--chunk N] [--no-map]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "bench_support.hpp"
#include "gateway/mapping/mapping_set.hpp"
#include "gateway/runtime/roster_reader.hpp"
#include "tests/support/zip_parts.hpp"

namespace kq::bench {
namespace {

namespace fs = std::filesystem;

const char* const kHeader[] = {"姓名", "性别", "出生日期", "身份证号", "学籍号", "学校", "年级", "班级"};

// A resident ID with its GB 11643 check character, distinct for each n below 336,000.
std::string resident_id(std::size_t n) {
  char body[24];
  std::snprintf(body, sizeof body, "1101052012%02zu%02zu%03zu", n / 28000 % 12 + 1, n / 1000 % 28 + 1, n % 1000);
  static constexpr int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (body[i] - '0') * kWeights[i];
  return std::string(body) + "10X98765432"[sum % 11];
}

// Student n's values in the order of kHeader.
std::vector<std::string> student(std::size_t n) {
  static constexpr const char* kGrades[] = {"一年级", "二年级", "三年级", "四年级", "五年级", "六年级"};
  const std::string id = resident_id(n);
  return {"学生" + std::to_string(n), n % 2 ? "男" : "女", "2012-03-15", id, "G" + id,
          "西城区第" + std::to_string(n % 200 + 1) + "小学", kGrades[n % 6], std::to_string(n / 7 % 8 + 1) + "班"};
}

void write_csv(const fs::path& file, std::size_t rows) {
  std::ofstream out(file, std::ios::binary);
  for (std::size_t i = 0; i < 8; ++i) out << (i ? "," : "") << kHeader[i];
  out << "\r\n";
  for (std::size_t n = 1; n <= rows; ++n) {
    const auto v = student(n);
    for (std::size_t i = 0; i < v.size(); ++i) out << (i ? "," : "") << v[i];
    out << "\r\n";
  }
}

void write_xml(const fs::path& file, std::size_t rows) {
  std::ofstream out(file, std::ios::binary);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<学籍名单>\n";
  for (std::size_t n = 1; n <= rows; ++n) {
    const auto v = student(n);
    out << "  <student>";
    for (std::size_t i = 0; i < v.size(); ++i) out << '<' << kHeader[i] << '>' << v[i] << "</" << kHeader[i] << '>';
    out << "</student>\n";
  }
  out << "</学籍名单>\n";
}

void write_xlsx(const fs::path& file, std::size_t rows) {
  std::map<std::string, std::size_t> index;
  std::vector<const std::string*> strings;
  const auto shared = [&](const std::string& s) {
    const auto [it, added] = index.emplace(s, strings.size());
    if (added) strings.push_back(&it->first);
    return std::to_string(it->second);
  };
  std::string sheet = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/"
                      "spreadsheetml/2006/main\"><sheetData>";
  for (std::size_t r = 0; r <= rows; ++r) {
    std::vector<std::string> v = r == 0 ? std::vector<std::string>(std::begin(kHeader), std::end(kHeader)) : student(r);
    sheet += "<row r=\"" + std::to_string(r + 1) + "\">";
    for (std::size_t i = 0; i < v.size(); ++i) {
      sheet += "<c r=\"" + std::string(1, static_cast<char>('A' + i)) + std::to_string(r + 1) + "\" t=\"s\"><v>" +
               shared(v[i]) + "</v></c>";
    }
    sheet += "</row>";
  }
  sheet += "</sheetData></worksheet>";
  std::string sst = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/"
                    "spreadsheetml/2006/main\">";
  for (const std::string* s : strings) sst += "<si><t>" + *s + "</t></si>";
  sst += "</sst>";
  const std::string rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  std::ofstream(file, std::ios::binary) << testing::zip_parts(
      {{"xl/workbook.xml", "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"" +
                               rel + "\"><sheets><sheet name=\"学生名单\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"},
       {"xl/_rels/workbook.xml.rels",
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" "
        "Type=\"" + rel + "/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"" + rel +
            "/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>"},
       {"xl/worksheets/sheet1.xml", sheet},
       {"xl/sharedStrings.xml", sst}});
}

struct Figures {
  double seconds = 0;
  std::size_t records = 0;
  long peak_rss_kib = 0;
};

// Reads the file in chunks and maps every record as the pipeline's split() would hand it on.
Figures read_and_map(runtime::RosterKind kind, const fs::path& file, std::size_t chunk_rows, bool map) {
  const auto mappings = mapping::load_mapping_dir(fs::path(KQ_SOURCE_DIR) / "mappings");
  if (!mappings) die("the shipped mappings do not load");
  const runtime::RosterPayload payload = runtime::roster_payload(kind);
  const mapping::CompiledMapping* compiled =
      mappings->find(std::string(payload.document_format) == "xml" ? "roster-xml" : "roster-csv");
  formats::ParseOptions options = compiled->parse_options();
  options.charset = "UTF-8";
  mapping::ApplyOptions apply;
  apply.lineage = false;
  runtime::RosterReadSettings settings{chunk_rows, true, "", "student"};
  Figures f;
  const auto t0 = std::chrono::steady_clock::now();
  auto reader = runtime::open_roster_reader(kind, file, settings);
  runtime::RosterFileChunk chunk;
  std::string document;
  while (reader->next(chunk)) {
    const std::string_view head(chunk.payload.data(), chunk.header_size);
    const std::string_view tail(chunk.payload.data() + chunk.payload.size() - chunk.footer_size, chunk.footer_size);
    for (const runtime::RosterRow& row : chunk.rows) {
      ++f.records;
      if (!map) continue;
      document.assign(head).append(chunk.payload, row.offset, row.size).append(tail);
      formats::ParseError error;
      const auto parsed = compiled->format().parse(document, options, error);
      if (parsed == nullptr) die("parse failed: " + error.message);
      const mapping::MapResult result = mapping::apply(*compiled, *parsed, apply);
      if (!result.ok()) die("a record did not map: " + result.errors.front().str());
    }
  }
  if (!reader->error().empty()) die(reader->error());
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  f.peak_rss_kib = u.ru_maxrss;
  return f;
}

Figures measure(runtime::RosterKind kind, const fs::path& file, std::size_t chunk_rows, bool map) {
  const std::string text = in_child([&] {
    const Figures f = read_and_map(kind, file, chunk_rows, map);
    return std::to_string(f.seconds) + " " + std::to_string(f.records) + " " + std::to_string(f.peak_rss_kib);
  });
  Figures f;
  std::sscanf(text.c_str(), "%lf %zu %ld", &f.seconds, &f.records, &f.peak_rss_kib);
  return f;
}

int run(int argc, char** argv) {
  std::size_t rows = 100000;
  std::size_t chunk = 5000;
  bool map = true;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--no-map") {
      map = false;
    } else if (i + 1 < argc && arg == "--rows") {
      rows = std::stoul(argv[++i]);
    } else if (i + 1 < argc && arg == "--chunk") {
      chunk = std::stoul(argv[++i]);
    } else {
      die("unknown option " + std::string(arg) + " (--rows N, --chunk N, --no-map)");
    }
  }
  TempDir dir({});
  const std::pair<runtime::RosterKind, fs::path> files[] = {{runtime::RosterKind::csv, dir.path() / "roster.csv"},
                                                            {runtime::RosterKind::xlsx, dir.path() / "roster.xlsx"},
                                                            {runtime::RosterKind::xml, dir.path() / "roster.xml"}};
  in_child([&] {
    write_csv(files[0].second, rows);
    write_xlsx(files[1].second, rows);
    write_xml(files[2].second, rows);
    return std::string();
  });
  std::printf("%zu students, %zu per chunk, %s; baseline: the CSV file, same run\n", rows, chunk,
              map ? "every record read and mapped" : "read only");
  Figures csv;
  for (const auto& [kind, file] : files) {
    const Figures f = measure(kind, file, chunk, map);
    if (f.records != rows) die("read " + std::to_string(f.records) + " records of " + std::to_string(rows));
    if (kind == runtime::RosterKind::csv) csv = f;
    std::printf("%-4s %8.1f MiB file | %6.2f s, %8.0f records/s (%.2f × CSV's time) | peak RSS %7.1f MiB "
                "(%.2f × CSV's)\n",
                file.extension().c_str() + 1, static_cast<double>(fs::file_size(file)) / 1048576.0, f.seconds,
                static_cast<double>(f.records) / f.seconds, f.seconds / csv.seconds,
                static_cast<double>(f.peak_rss_kib) / 1024.0,
                static_cast<double>(f.peak_rss_kib) / static_cast<double>(csv.peak_rss_kib));
  }
  return 0;
}

}  // namespace
}  // namespace kq::bench

int main(int argc, char** argv) { return kq::bench::run(argc, argv); }
