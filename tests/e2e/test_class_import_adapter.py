"""The class_import adapter with the real binary (docs/adapters/class_imports.md): class sheets
uploaded over HTTPS with a school's client certificate and written into a drop folder, mapped by
the sheet's headers, with the gateway's derived values and alerts (docs/derived-values.md) in the
stored records and the receipt; the clerk's rejects file, read back with Python's csv module as
Excel would read it; `kangqiao reprocess` giving the same records and alerts again."""
import csv
import io
import json
import os
import shutil
import subprocess
import time
import unittest

from harness import BIN, GatewayCase, SOURCE_DIR, read, wait_until

try:
    import openpyxl
except ImportError:  # scripts/install-deps.sh installs python3-openpyxl
    openpyxl = None

SCHOOL = "12110000MB0000001X"  # hospital-a's organisation stands in for the school
HEADER = "姓名,班级,性别,学籍号,筛查日期,左眼裸眼视力,右眼裸眼视力,左眼球镜,右眼球镜,是否角膜塑形镜,是否近视,度数\n"
MING = "G110105201203151233"
HONG = "G110105201207011246"

CONFIG = """
data_dir: {data}
log: {{ level: info }}
listeners:
  - name: admin
    port: {admin_port}
  - name: ingest
    port: {ingest_port}
    serve_health: false
    tls:
      certificate: {certs}/server.crt
      private_key: {certs}/server.key
      client_ca: {certs}/ca.crt
      require_client_certificate: true
store:
  path: kangqiao.db
plugins:
  directory: {plugins}
mappings:
  directory: {data}/mappings
adapters:
  - name: class-import
    plugin: class_import
    listener: ingest
    roles: [school.import]
    mappings: [school_health/]
    config:
      drop_directory: {data}/class-drop
      drop_principal: school
      drop_settle: 200ms
principals:
  - name: school
    organisation: \"""" + SCHOOL + """\"
    roles: [school.import]
    subject: "CN=hospital-a,O=Demo District Hospital,C=CN"
"""


class ClassImportAdapter(GatewayCase):
    CONFIG = CONFIG

    @classmethod
    def prepare(cls):
        # The shipped mappings, with the deployment choice a sphere-only sheet needs: the sphere
        # stands for the spherical equivalent (vision.yaml, missing_cylinder), so that the
        # gateway can decide screening myopia from 球镜 (docs/derived-values.md §3).
        mappings = os.path.join(cls.gw.dir, "data", "mappings")
        shutil.copytree(os.path.join(SOURCE_DIR, "mappings"), mappings)
        vision = os.path.join(mappings, "codes", "school_health", "vision.yaml")
        with open(vision, encoding="utf-8") as f:
            text = f.read()
        assert "missing_cylinder: unknown" in text
        with open(vision, "w", encoding="utf-8") as f:
            f.write(text.replace("missing_cylinder: unknown", "missing_cylinder: sphere_as_se"))

    def post(self, body, path="/v1/class-imports"):
        status, content_type, reply = self.gw.post(path, body.encode() if isinstance(body, str) else body,
                                                   content_type="text/csv")
        return status, content_type, reply

    def alerts_of(self, student_no):
        return self.gw.sql(
            "SELECT r.id, json_extract(r.body, '$.rule_id') AS rule, json_extract(r.body, '$.rule_version') AS version "
            "FROM record r JOIN person_identifier p ON p.person_id = r.person_id "
            f"WHERE r.kind = 'alert' AND p.value = '{student_no}' "
            "AND r.version = (SELECT max(version) FROM record v WHERE v.id = r.id) ORDER BY rule")

    def test_1_an_earlier_screening_in_the_store_gives_acuity_drop_and_new_myopia_alerts(self):
        # Term one: 小明 sees 5.0 on both eyes, no refraction error.
        spring = HEADER + f"张小明,八年级3班,男,{MING},2026-03-10,5.0,5.0,0.00,0.00,否,否,-\n"
        status, _, receipt = self.post(spring)
        self.assertEqual(status, 200, receipt)
        self.assertEqual(receipt["outcome"], "imported")
        self.assertEqual(receipt["rejected"], [])
        self.assertEqual(self.alerts_of(MING), [])

        # Term two: three lines down on the left, myopic refraction; the school's sheet still says
        # 是否近视 否, which the gateway's screening-myopia flag contradicts.
        autumn = HEADER + f"张小明,八年级3班,男,{MING},2026-10-12,4.7,4.8,-1.50,-1.25,否,否,-\n"
        status, _, receipt = self.post(autumn)
        self.assertEqual(status, 200, receipt)
        mismatches = [w for w in receipt["warnings"] if w["kind"] == "mismatch"]
        self.assertTrue(mismatches, receipt)
        myopia = [w for w in mismatches if w["field"] == "vision_screening.screening_myopia"]
        self.assertEqual(len(myopia), 1, receipt)
        self.assertEqual(myopia[0]["row"], 2)
        self.assertEqual(myopia[0]["column"], "是否近视")
        self.assertEqual(myopia[0]["value"], "否")
        self.assertEqual((myopia[0]["sent"], myopia[0]["computed"]), ("false", "true"))
        self.assertRegex(myopia[0]["rule"], r"^vision-screening@")

        alerts = self.alerts_of(MING)
        self.assertEqual([a["rule"] for a in alerts], ["vision.acuity-drop", "vision.new-screening-myopia"])
        self.assertTrue(all(a["version"].startswith("school-health-alerts@") for a in alerts))
        # The stored screening carries the gateway's values and the rule that made them.
        body = json.loads(self.gw.sql(
            "SELECT body FROM record WHERE kind = 'vision_screening' AND body LIKE '%2026-10-12%' "
            "ORDER BY seq DESC LIMIT 1")[0]["body"])
        self.assertIs(body["screening_myopia"], True)
        self.assertRegex(body["rule_version"], r"^vision-screening@")
        # Counted by rule once committed.
        _, metrics = self.gw.get("/metrics")
        self.assertRegex(metrics, r'kangqiao_alerts_total\{rule="vision.acuity-drop"\} 1\b')
        self.assertRegex(metrics, r'kangqiao_alerts_total\{rule="vision.new-screening-myopia"\} 1\b')
        # The same sheet again is the same import: nothing new, the same warnings.
        status, _, again = self.post(autumn)
        self.assertEqual((status, again["outcome"], again["duplicate_file"]), (200, "duplicate", True))
        self.assertEqual(again["warnings"], receipt["warnings"])
        self.assertEqual(len(self.alerts_of(MING)), 2)

    def test_5_a_fitness_sheet_whose_own_total_disagrees_gets_a_warning(self):
        with open(os.path.join(SOURCE_DIR, "docs", "adapters", "class_imports", "fitness_national.csv"),
                  encoding="utf-8") as f:
            header = f.readline().strip()
        # A first-grade girl (the grade whose tables are all transcribed): BMI, vital capacity, 50 m,
        # sit-and-reach and rope skipping; the school's software put 总分 = 10 at the end of the row.
        row = f"11,1101,一年级1班,{HONG},01,李小红,2,2012-07-01,,120.0,22.0,1200,10.5,10.0,100,,,,,,"
        status, _, receipt = self.post(f"{header},总分\n{row},10\n")
        self.assertEqual(status, 200, receipt)
        self.assertEqual(receipt["outcome"], "imported", receipt)
        total = [w for w in receipt["warnings"] if w["field"] == "fitness_test.total_score"]
        self.assertEqual(len(total), 1, receipt)
        self.assertEqual((total[0]["kind"], total[0]["column"], total[0]["sent"]), ("mismatch", "总分", "10"))
        self.assertNotEqual(float(total[0]["computed"]), 10.0)
        self.assertRegex(total[0]["rule"], r"^cspfs-2014@")
        # The stored test has the gateway's total, not the sheet's.
        body = json.loads(self.gw.sql("SELECT body FROM record WHERE kind = 'fitness_test' "
                                      "ORDER BY seq DESC LIMIT 1")[0]["body"])
        self.assertEqual(body["total_score"], float(total[0]["computed"]))
        # Without the column the sheet is the national layout: imported, with no such warning (a
        # trailing space the mapping trims makes it another file, not a duplicate of the first).
        status, _, plain = self.post(f"{header}\n{row.replace('李小红', '李小红 ')}\n")
        self.assertEqual((status, plain["outcome"]), (200, "imported"), plain)
        self.assertFalse([w for w in plain["warnings"] if w["field"] == "fitness_test.total_score"], plain)

    def test_2_a_dropped_sheet_with_errors_gets_a_rejects_file_excel_can_read(self):
        bad = (HEADER +
               f"张小明,八年级3班,男,{MING},2026-11-02,4.9,4.9,-0.25,-0.25,否,否,-\n"
               f"李小红,八年级3班,女,,2026-11-02,5.0,5.1,0.25,0.50,是,否,-\n"
               f"王小宇,八年级3班,-,G330106201109092115,2026-11-02,48,-,-,-,否,-,-\n")
        drop = os.path.join(self.gw.dir, "data", "class-drop")
        wait_until(lambda: os.path.isdir(os.path.join(drop, "incoming")), timeout=10)
        with open(os.path.join(drop, "incoming", "八年级3班.csv.part"), "w", encoding="utf-8") as f:
            f.write(bad)
        os.rename(os.path.join(drop, "incoming", "八年级3班.csv.part"), os.path.join(drop, "incoming", "八年级3班.csv"))
        rejects_path = os.path.join(drop, "failed", "八年级3班.csv.rejects.csv")
        wait_until(lambda: os.path.exists(os.path.join(drop, "failed", "八年级3班.csv")), timeout=20)
        receipt = json.loads(read(os.path.join(drop, "failed", "八年级3班.csv.receipt")))
        self.assertEqual(receipt["outcome"], "not-imported")
        raw = read(rejects_path)
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"), raw[:10])  # the BOM Excel needs to read UTF-8
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        self.assertEqual(rows[0], ["行号", "列名", "值", "原因", "处理"])
        by_place = {(r[0], r[1]): r for r in rows[1:]}
        self.assertIn(("3", "学籍号"), by_place, rows)  # the empty required cell names its row
        self.assertEqual(by_place[("3", "学籍号")][2], "")
        self.assertIn("required", by_place[("3", "学籍号")][3])
        self.assertEqual(by_place[("4", "左眼裸眼视力")][2], "48")
        self.assertIn("out of range", by_place[("4", "左眼裸眼视力")][3])
        self.assertTrue(all(r[4] == "未导入" for r in rows[1:]))
        # Nothing of the sheet was stored as records: a dead letter keeps it for a corrected run.
        self.assertEqual(self.gw.sql("SELECT count(*) AS n FROM record WHERE kind = 'vision_screening' "
                                     "AND body LIKE '%2026-11-02%'"), [{"n": 0}])

        # Over HTTPS, the `.csv` route answers with the same rejects file.
        status, content_type, text = self.post(bad, path="/v1/class-imports.csv")
        self.assertEqual(status, 422)
        self.assertTrue(content_type.startswith("text/csv"), content_type)
        https_rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
        self.assertEqual(https_rows, rows)

    @unittest.skipIf(openpyxl is None, "python3-openpyxl is not installed (scripts/install-deps.sh)")
    def test_3_a_workbook_names_its_cells_in_the_rejects_file(self):
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "导入模板"
        sheet.append(HEADER.strip().split(","))
        sheet.append(["李小红", "八年级3班", "女", HONG, "2026-11-03", 5.0, 6.1, 0.25, 0.5, "否", "否", "-"])
        data = io.BytesIO()
        book.save(data)
        status, _, receipt = self.post(data.getvalue())
        self.assertEqual(status, 422, receipt)
        self.assertEqual(receipt["format"], "xlsx")
        self.assertEqual([(r["row"], r["column"], r["value"]) for r in receipt["rejected"]], [(2, "右眼裸眼视力", "6.1")])

    def test_4_reprocessing_gives_the_same_records_and_alerts(self):
        ids = [r["id"] for r in self.gw.sql("SELECT id FROM raw_message WHERE status = 'accepted' AND "
                                            "instr(CAST(payload AS TEXT), '2026-10-12') > 0 ORDER BY stored_at_ms LIMIT 1")]
        self.assertEqual(len(ids), 1)
        before = {a["id"]: a["rule"] for a in self.alerts_of(MING)}
        r = subprocess.run([BIN, "reprocess", "--config", self.gw.config_path, "--message-id", ids[0]],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        after = {a["id"]: a["rule"] for a in self.alerts_of(MING)}
        self.assertEqual(after, before)
        versions = self.gw.sql("SELECT max(version) AS v FROM record WHERE kind = 'alert'")
        self.assertEqual(versions, [{"v": 2}])  # a new version of each alert, not a new alert


if __name__ == "__main__":
    unittest.main()
