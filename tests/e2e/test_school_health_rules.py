"""The school-health rule tables (docs/derived-values.md) are checked by `kangqiao test-mappings`,
as a table's author and CI run it, and by `kangqiao check`, as an operator runs it before a
start: the shipped folder loads and names its rule versions; a broken table fails with its
file:line:col."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, SOURCE_DIR, config_text, dev_certs, free_port


KANGQIAO = os.path.abspath(BIN)  # the runs below start in the source tree


def kangqiao(*args):
    return subprocess.run([KANGQIAO, *args], capture_output=True, text=True, cwd=SOURCE_DIR, timeout=60)


def test_mappings(folder):
    return kangqiao("test-mappings", folder, "--no-coverage")


def break_vital_capacity_table(codes_parent):
    """Puts the 85-point threshold above the 95-point one; returns the file."""
    path = os.path.join(codes_parent, "codes/school_health/fitness/vital_capacity.yaml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("[1700, 1600, 1500,", "[1700, 1600, 1650,", 1))
    return path


class SchoolHealthRules(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kq-rules-")
        # The value sets and rule tables only: no mapping tests, so only the tables decide.
        shutil.copytree(os.path.join(SOURCE_DIR, "mappings/codes"), os.path.join(self.dir, "codes"))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_shipped_tables_load_and_name_their_versions(self):
        r = test_mappings(self.dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("school-health rules: cspfs-2014@1.0.0 vision-screening@1.0.0 "
                      "mental-health-screening@1.0.0 school-health-alerts@1.0.0", r.stdout)

    def test_a_broken_table_fails_with_its_place(self):
        path = break_vital_capacity_table(self.dir)
        r = test_mappings(self.dir)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn(f"{path}:13:31: threshold: 1650 must be below the threshold of the level before it (1600)",
                      r.stdout)
        self.assertIn("school-health rules: FAIL (1 errors)", r.stdout)


class CheckCommand(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kq-rules-check-")
        self.mappings = os.path.join(self.dir, "mappings")
        shutil.copytree(os.path.join(SOURCE_DIR, "mappings"), self.mappings)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def check(self):
        text = config_text(os.path.join(self.dir, "data"), dev_certs(), free_port(), free_port())
        config = os.path.join(self.dir, "kangqiao.yaml")
        with open(config, "w") as f:
            f.write(text + f"mappings:\n  directory: {self.mappings}\n")
        return kangqiao("check", "--config", config)

    def test_shipped_tables_pass_check(self):
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_broken_table_fails_check_before_a_start(self):
        path = break_vital_capacity_table(self.mappings)
        r = self.check()
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertIn(f"{path}:13:31: threshold: 1650 must be below", r.stderr)


if __name__ == "__main__":
    unittest.main()
