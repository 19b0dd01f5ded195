"""The student_registry adapter with the real binary, for rosters exported as an Excel workbook or
as XML (plugin ABI 1.5 add_roster_drop_with, docs/adapters/student_registry.md): a workbook written
by openpyxl with a 说明 sheet before the roster sheet, real date cells and a blank row, synced and
synced again; the same students as CSV the next night, unchanged; an XML roster with elements and
attributes, the example of the documentation, a truncated copy that fails with the committed
chunks kept, a sync killed with -9 halfway that ends as an uninterrupted one; and a file of another
kind refused with a receipt."""
import datetime
import io
import os
import subprocess
import unittest
from xml.sax.saxutils import escape, quoteattr

from harness import BIN, Gateway, SOURCE_DIR
from test_docs_examples import fenced_blocks, info_attributes
from test_student_registry import CONFIG, HEADER as HEADER_ROW, RosterGateway, fields, killed_halfway_and_resumed, resident_id, roster, row

try:
    import openpyxl
except ImportError:  # scripts/install-deps.sh installs python3-openpyxl
    openpyxl = None

HEADER = HEADER_ROW.split(",")
DOC = os.path.join(SOURCE_DIR, "docs", "adapters", "student_registry.md")


def workbook(students, blank_before=None):
    """The registry's Excel export: a 说明 sheet first, then 学生名单 with the header in row 1 and
    birth dates as date cells. `blank_before`: a student number before whose row a row is left
    empty."""
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "说明"
    notes.append(["本表由学籍管理系统导出，请勿修改表头。"])
    sheet = book.create_sheet("学生名单")
    sheet.append(HEADER)
    for n, values in students:
        if n == blank_before:
            sheet.append([])
        values = list(values)
        try:
            values[2] = datetime.date.fromisoformat(values[2])
        except ValueError:
            pass  # a bad date stays text
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xml_roster(students, attributes=False, element="student"):
    """An XML export: a root with an attribute, then one element per student (line 3 onwards)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<学籍名单 导出日期="2026-12-08">']
    for values in students:
        if attributes:
            lines.append(f"  <{element} " + " ".join(f"{h}={quoteattr(v)}" for h, v in zip(HEADER, values)) + "/>")
        else:
            lines.append(f"  <{element}>" + "".join(f"<{h}>{escape(v)}</{h}>" for h, v in zip(HEADER, values))
                         + f"</{element}>")
    lines.append("</学籍名单>")
    return ("\n".join(lines) + "\n").encode("utf-8")


class RosterFormats(unittest.TestCase):
    def start(self, extra="", **kw):
        g = RosterGateway(extra=extra, **kw)
        self.addCleanup(g.gw.cleanup)
        return g

    def person(self, g, n):
        rows = g.gw.sql("SELECT json_extract(body, '$.name.text') AS name, json_extract(body, '$.birth_date') AS born "
                        "FROM record WHERE kind = 'person' AND body LIKE '%" + resident_id(n) + "%' "
                        "ORDER BY seq DESC LIMIT 1")
        return rows[0] if rows else None

    @unittest.skipIf(openpyxl is None, "python3-openpyxl is not installed (scripts/install-deps.sh)")
    def test_an_excel_roster_then_the_same_workbook_then_the_same_students_as_csv(self):
        # The adapter's charset is for CSV files: a workbook's rows reach it as UTF-8 all the same.
        g = self.start(extra="      sheet: 学生名单\n", charset="GB18030")
        students = [(n, fields(n)) for n in range(1, 21)]
        students[7] = (8, fields(8, grade="六年极"))  # no such grade: row 10 (row 1 the header, a blank row 6)
        book = workbook(students, blank_before=5)
        g.drop("roster-1.xlsx", book)
        first = g.receipt("roster-1.xlsx")
        self.assertEqual(first["state"], "finished")
        self.assertEqual(first["counts"], {"new": 19, "changed": 0, "transferred": 0, "unchanged": 0, "left": 0,
                                           "graduated": 0, "rejected": 1})
        self.assertEqual(first["rows"], 20)
        self.assertEqual(first["chunks"], 3)  # 7 rows a chunk
        self.assertEqual(len(first["rejected_rows"]), 1)
        self.assertEqual(first["rejected_rows"][0]["line"], 10)  # the sheet row, as Excel shows it
        self.assertIn("年级", first["rejected_rows"][0]["reason"])
        # The date cell became the ISO date; the text cells their text.
        self.assertEqual(self.person(g, 3), {"name": "学生3", "born": fields(3)[2]})
        self.assertEqual(g.gw.sql("SELECT count(*) AS n FROM roster_entry")[0]["n"], 19)
        versions = g.record_versions()

        g.drop("roster-2.xlsx", book)  # the same workbook the next night
        again = g.receipt("roster-2.xlsx")
        self.assertEqual(again["counts"]["unchanged"], 19)
        self.assertEqual(again["counts"]["rejected"], 1)
        self.assertEqual(g.record_versions(), versions, "a rerun of the same workbook wrote records")

        # The same students exported as CSV (GB 18030): the content is compared, not the file's kind.
        csv = roster([row(n, **({"grade": "六年极"} if n == 8 else {})) for n in range(1, 21)]).decode("utf-8")
        csv = csv.encode("gb18030")
        g.drop("roster-3.csv", csv)
        as_csv = g.receipt("roster-3.csv")
        self.assertEqual(as_csv["counts"]["unchanged"], 19)
        self.assertEqual(g.record_versions(), versions)

    @unittest.skipIf(openpyxl is None, "python3-openpyxl is not installed (scripts/install-deps.sh)")
    def test_a_workbook_without_the_configured_sheet_fails_with_the_sheets_it_has(self):
        g = self.start(extra="      sheet: 学生花名册\n")
        g.drop("roster.xlsx", workbook([(1, fields(1))]))
        receipt = g.receipt("roster.xlsx", folder="failed")
        self.assertEqual(receipt["reason"], "sheet '学生花名册' not found; the workbook has sheets 说明, 学生名单")

    def test_an_xml_roster_of_elements_and_attributes_then_a_rerun(self):
        g = self.start()
        students = [fields(n) for n in range(1, 16)]
        students[4] = fields(5, name=" ")  # no name: line 7 (the declaration is line 1, the root line 2)
        rid = students[9][3]
        students[9][3] = rid[:-1] + ("1" if rid[-1] != "1" else "2")  # a wrong check digit: line 12
        g.drop("roster-1.xml", xml_roster(students))
        first = g.receipt("roster-1.xml")
        self.assertEqual(first["counts"], {"new": 13, "changed": 0, "transferred": 0, "unchanged": 0, "left": 0,
                                           "graduated": 0, "rejected": 2})
        self.assertEqual([r["line"] for r in first["rejected_rows"]], [7, 12])
        self.assertIn("姓名", first["rejected_rows"][0]["reason"])
        # The place inside the record, as the CSV report names the column.
        self.assertTrue(first["rejected_rows"][1]["reason"].startswith("身份证号: "), first["rejected_rows"][1])
        self.assertIn("check digit", first["rejected_rows"][1]["reason"])
        self.assertEqual(self.person(g, 2), {"name": "学生2", "born": fields(2)[2]})
        # Each chunk is stored raw as the small XML document the adapter emitted.
        chunk = g.gw.sql("SELECT CAST(payload AS TEXT) AS payload, content_type, charset FROM raw_message "
                         "ORDER BY rowid LIMIT 1")[0]
        self.assertEqual((chunk["content_type"], chunk["charset"]), ("application/xml; charset=UTF-8", "UTF-8"))
        chunk = chunk["payload"]
        self.assertTrue(chunk.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<roster>\n<student><姓名>学生1</姓名>'),
                        chunk[:200])
        versions = g.record_versions()

        # The same students written as attributes: the same content, so nothing changes.
        g.drop("roster-2.xml", xml_roster(students, attributes=True))
        again = g.receipt("roster-2.xml")
        self.assertEqual(again["counts"]["unchanged"], 13)
        self.assertEqual(g.record_versions(), versions)

    def test_the_xml_example_of_the_documentation_syncs(self):
        with open(DOC, encoding="utf-8") as f:
            [example] = [body for info, body, _ in fenced_blocks(f.read())
                         if info.startswith("xml") and info_attributes(info).get("example") == "roster"]
        g = self.start()
        g.drop("roster-20261208.xml", example.encode("utf-8"))
        report = g.receipt("roster-20261208.xml")
        self.assertEqual(report["counts"]["new"], 2, report)
        self.assertEqual(report["counts"]["rejected"], 0, report)
        names = sorted(r["name"] for r in g.gw.sql("SELECT json_extract(body, '$.name.text') AS name FROM record "
                                                   "WHERE kind = 'person'"))
        self.assertEqual(names, ["张小明", "李小红"])

    def test_a_truncated_xml_roster_fails_and_its_committed_chunks_stay(self):
        g = self.start()
        whole = xml_roster([fields(n) for n in range(1, 31)])
        cut = whole[:whole.index("学生20".encode("utf-8"))]  # breaks off inside student 20 (line 22)
        g.drop("roster.xml", cut)
        receipt = g.receipt("roster.xml", folder="failed")
        self.assertRegex(receipt["reason"], r"^roster\.xml, line \d+: ")
        runs = g.gw.sql("SELECT state, chunks_done, rows_done FROM roster_sync")
        self.assertEqual(runs, [{"state": "running", "chunks_done": 2, "rows_done": 14}])  # 7 a chunk
        self.assertEqual(g.record_versions()["person"], 14)

    def test_an_xml_roster_with_a_doctype_is_refused(self):
        g = self.start()
        body = ('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                "<学籍名单><student><姓名>&x;</姓名></student></学籍名单>\n").encode("utf-8")
        g.drop("roster.xml", body)
        receipt = g.receipt("roster.xml", folder="failed")
        self.assertIn("a DOCTYPE is not allowed here", receipt["reason"])
        self.assertEqual(g.gw.sql("SELECT count(*) AS n FROM record"), [{"n": 0}])

    def test_a_file_of_another_kind_is_refused_with_the_kinds_that_are_read(self):
        g = self.start()
        g.drop("roster.xls", b"\xD0\xCF\x11\xE0 an old Excel file")
        receipt = g.receipt("roster.xls", folder="failed")
        self.assertEqual(receipt["reason"],
                         "a roster is read by its file name: .csv or .txt (CSV), .xlsx (an Excel workbook) or .xml; "
                         "'roster.xls' is none of them (save an .xls workbook as .xlsx)")
        self.assertEqual(g.gw.sql("SELECT count(*) AS n FROM roster_sync"), [{"n": 0}])

    def test_a_record_element_that_is_no_element_name_stops_the_check_with_the_reason(self):
        gw = Gateway()
        self.addCleanup(gw.cleanup)
        gw.write_config(text=CONFIG.replace("ROWS", "7").replace("CHARSET", "UTF-8")
                        .replace("EXTRA\n", "      record_element: \"cmis:student\"\n"))
        r = subprocess.run([BIN, "check", "--config", gw.config_path], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("record_element 'cmis:student' is not an XML element name without a prefix", r.stderr)

    def test_an_xml_sync_killed_with_minus_9_halfway_ends_as_an_uninterrupted_run(self):
        students = 6000
        first = xml_roster([fields(n) for n in range(1, students + 1)])
        # The second night: every tenth student changed class, the last 200 gone, 100 new.
        second = xml_roster([fields(n, klass="9班" if n % 10 == 0 else "3班") for n in range(1, students - 200 + 1)]
                            + [fields(n) for n in range(students + 1, students + 101)], attributes=True)
        calm = killed_halfway_and_resumed(self, first, second, "xml", rows_per_chunk=200, kill_after_chunks=8)
        self.assertEqual(calm["counts"], {"new": 100, "changed": 580, "transferred": 0, "unchanged": 5220,
                                          "left": 200, "graduated": 0, "rejected": 0})


if __name__ == "__main__":
    unittest.main()
