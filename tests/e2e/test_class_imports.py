"""Class imports (视力, 体质, 心理) as a school clerk's spreadsheet: workbooks written by a real
spreadsheet writer (Debian's python3-openpyxl) with number and date cells, mapped by the real
binary (`kangqiao map`) with the XLSX mappings of mappings/school_health/, must give exactly the
records the CSV mappings give for the same rows."""
import datetime
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, SOURCE_DIR

try:
    import openpyxl
except ImportError:  # scripts/install-deps.sh installs python3-openpyxl
    openpyxl = None

SCHOOL = "12330106MB0000001X"
MAPPINGS = os.path.join(SOURCE_DIR, "mappings", "school_health")

VISION = [
    ["姓名", "班级", "性别", "学籍号", "筛查日期", "左眼裸眼视力", "右眼裸眼视力", "左眼球镜", "右眼球镜",
     "是否角膜塑形镜", "是否近视", "度数"],
    ["张小明", "一年级1班", "男", "G110105201203151233", datetime.date(2026, 10, 12), 4.8, 4.9, -1.25, -0.75, "否", "是", "低度"],
    ["李小红", "一年级1班", "女", "G110105201207011246", datetime.date(2026, 10, 12), 5.0, 5.1, 0.25, 0.5, "是", "否", "-"],
    ["王小宇", "一年级1班", "-", "G330106201109092115", datetime.date(2026, 10, 12), "-", "-", "-", "-", "否", "-", "-"],
]
FITNESS = [
    ["年级编号", "班级编号", "班级名称", "学籍号", "民族代码", "姓名", "性别", "出生日期", "家庭住址", "身高", "体重",
     "肺活量", "50米跑", "坐位体前屈", "一分钟跳绳", "一分钟仰卧起坐", "50米×8往返跑", "立定跳远", "800米跑",
     "1000米跑", "引体向上"],
    ["11", "1101", "一年级1班", "G110105201903150020", "01", "李小红", "2", datetime.date(2019, 3, 15), "某路1号",
     121.5, 22.4, 1100, 11.2, 12.5, 98, None, None, None, None, None, None],
    ["22", "2203", "八年级3班", "G110105201203151233", "01", "张小明", "1", datetime.date(2012, 3, 15), "某路2号",
     165, 55, 3400, 7.8, 8, None, None, None, 215, None, "3'55\"", 9],
]
MENTAL = [
    ["姓名", "班级", "性别", "学籍号", "量表", "量表版本", "总分", "风险等级", "筛查日期"],
    ["张小明", "八年级3班", "男", "G110105201203151233", "MHT", "1991", 68, "重点", datetime.date(2026, 10, 20)],
    ["赵小芳", "八年级3班", "女", "G330106201209010068", "PHQ-9", "中文版", 7, "-", datetime.date(2026, 10, 20)],
]


def csv_text(rows):
    def cell(v):
        if v is None:
            return ""
        if isinstance(v, datetime.date):
            return v.isoformat()
        text = str(v)
        return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"') else text
    return "".join(",".join(cell(v) for v in row) + "\n" for row in rows)


@unittest.skipIf(openpyxl is None, "python3-openpyxl is not installed (scripts/install-deps.sh)")
class ClassImports(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kq-class-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def workbook(self, rows, name):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "导入模板"
        for row in rows:
            sheet.append(row)
        for cell in sheet["A"][1:] + sheet["E"][1:] + sheet["H"][1:] + sheet["I"][1:]:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy/m/d"  # shown as Chinese Excel shows dates; stored as a serial
        path = os.path.join(self.dir, name)
        book.save(path)
        return path

    def map(self, mapping, path):
        r = subprocess.run([BIN, "map", "--mapping", os.path.join(MAPPINGS, mapping), "--input", path,
                            "--sender-org", SCHOOL, "--today", "2026-12-07"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def same_as_csv(self, rows, stem):
        csv_path = os.path.join(self.dir, stem + ".csv")
        with open(csv_path, "w", encoding="utf-8") as f:
            f.write(csv_text(rows))
        from_xlsx = self.map(stem + "_xlsx.yaml", self.workbook(rows, stem + ".xlsx"))
        from_csv = self.map(stem + "_csv.yaml", csv_path)
        self.assertEqual(from_xlsx, from_csv)
        return from_xlsx

    def test_vision_sheet(self):
        records = self.same_as_csv(VISION, "vision_class")
        screenings = [r for r in records if r["kind"] == "vision_screening"]
        self.assertEqual(len(screenings), 2)  # the third child was not screened
        self.assertEqual(screenings[0]["left_eye"], {"ucva_5pt": 4.8, "sphere_ds": -1.25})
        self.assertEqual(screenings[0]["date"], "2026-10-12")
        self.assertEqual(screenings[1]["right_eye"]["correction"], "ortho-k")
        self.assertEqual([r["kind"] for r in records], ["person", "vision_screening"] * 2 + ["person"])

    def test_national_fitness_file(self):
        records = self.same_as_csv(FITNESS, "fitness_national")
        tests = [r for r in records if r["kind"] == "fitness_test"]
        self.assertEqual([i["item_code"] for i in tests[1]["items"]],
                         ["height", "weight", "vital_capacity", "run_50m", "sit_and_reach", "standing_long_jump",
                          "run_1000m", "pull_up"])
        self.assertEqual(tests[1]["items"][6]["raw_text"], "3'55\"")
        enrollments = [r for r in records if r["kind"] == "enrollment"]
        self.assertEqual([e["grade"] for e in enrollments], ["11", "22"])
        people = [r for r in records if r["kind"] == "person"]
        self.assertEqual(people[0]["birth_date"], "2019-03-15")
        self.assertNotIn("某路", json.dumps(records, ensure_ascii=False))  # the home address is not taken

    def test_mental_health_results(self):
        records = self.same_as_csv(MENTAL, "mental_health_class")
        screenings = [r for r in records if r["kind"] == "mental_health_screening"]
        self.assertEqual([s["instrument"]["code"] for s in screenings], ["MHT", "PHQ-9"])
        self.assertEqual(screenings[0]["flags"], [{"level": "重点", "rule_version": "school-sheet"}])
        self.assertEqual(screenings[0]["administered_at"], "2026-10-20T00:00:00+08:00")

    def test_the_docs_example_runs(self):
        """docs/adapters/class_imports.md maps docs/adapters/class_imports/vision_class.csv."""
        examples = os.path.join(SOURCE_DIR, "docs", "adapters", "class_imports")
        records = self.map("vision_class_csv.yaml", os.path.join(examples, "vision_class.csv"))
        self.assertEqual([r["kind"] for r in records], ["person", "vision_screening"] * 2 + ["person"])
        self.assertEqual(records[3]["right_eye"], {"ucva_5pt": 5.1, "sphere_ds": 0.5, "correction": "ortho-k"})
        records = self.map("fitness_national_csv.yaml", os.path.join(examples, "fitness_national.csv"))
        self.assertEqual([r["kind"] for r in records], ["person", "enrollment", "fitness_test"])
        records = self.map("mental_health_class_csv.yaml", os.path.join(examples, "mental_health_class.csv"))
        self.assertEqual(records[1]["flags"], [{"level": "重点", "rule_version": "school-sheet"}])


if __name__ == "__main__":
    unittest.main()
