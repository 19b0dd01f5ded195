"""The kangqiao command line: check, plugins, version and --help, run as a user would."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, SOURCE_DIR, PLUGIN_DIR, config_text, dev_certs, free_port

TEST_PLUGIN_DIR = os.environ.get("KQ_TEST_PLUGIN_DIR", os.path.join(SOURCE_DIR, "build/test-plugins"))


def kangqiao(*args, cwd=SOURCE_DIR):
    return subprocess.run([BIN, *args], capture_output=True, text=True, cwd=cwd, timeout=60)


class CheckCommand(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="kq-cli-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, text, name="kangqiao.yaml"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_shipped_config_passes(self):
        subprocess.run([os.path.join(SOURCE_DIR, "certs/gen-dev-certs.sh")], check=True)
        r = kangqiao("check", "--config", "config/kangqiao.yaml")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("OK (3 listeners, 5 adapters, 2 principals", r.stdout)

    def test_typo_fails_with_file_line_col_and_suggestion(self):
        text = config_text(os.path.join(self.dir, "data"), dev_certs(), free_port(), free_port())
        text = text.replace("  - name: admin\n    address: 127.0.0.1\n", "  - name: admin\n    adress: 127.0.0.1\n")
        path = self.write(text)
        r = kangqiao("check", "--config", path)
        self.assertEqual(r.returncode, 2)
        line = text.splitlines().index("    adress: 127.0.0.1") + 1
        self.assertIn(f"{path}:{line}:5: unknown key 'adress'; did you mean 'address'?", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_every_error_is_reported(self):
        text = config_text(os.path.join(self.dir, "data"), dev_certs(), free_port(), free_port())
        text = text.replace("threads: { io: 2, blocking: 2 }", "threads: { io: 0, blocking: many }")
        text = text.replace("plugin: example_echo", "plugin: example_echo\n    on_error: maybe")
        path = self.write(text)
        r = kangqiao("check", "--config", path)
        self.assertEqual(r.returncode, 2)
        errors = [l for l in r.stderr.splitlines() if l.startswith(path + ":")]
        self.assertGreaterEqual(len(errors), 3, r.stderr)
        self.assertTrue(any("on_error" in e or "stop" in e for e in errors), r.stderr)

    def test_yaml_syntax_error_has_a_location(self):
        path = self.write("node_name: x\nlisteners: [\n  name: a\n")
        r = kangqiao("check", "--config", path)
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, rf"{path}:\d+:\d+: ")

    def test_adapter_block_is_checked_against_the_plugin_fields(self):
        text = config_text(os.path.join(self.dir, "data"), dev_certs(), free_port(), free_port())
        text = text.replace("      path: /v1/records", "      path: /v1/records\n      require_organization: true")
        path = self.write(text)
        r = kangqiao("check", "--config", path)
        self.assertEqual(r.returncode, 2)
        line = text.splitlines().index("      require_organization: true") + 1
        self.assertIn(f"{path}:{line}:7: unknown key 'require_organization'; did you mean 'require_organisation'?",
                      r.stderr)

    def test_plugin_that_fails_configure_stops_check(self):
        text = config_text(os.path.join(self.dir, "data"), dev_certs(), free_port(), free_port())
        text = text.replace("      path: /v1/records", "      path: no-leading-slash")
        path = self.write(text)
        r = kangqiao("check", "--config", path)
        self.assertEqual(r.returncode, 2)
        self.assertIn("adapter 'demo-records': plugin 'example_echo' refused its configuration: "
                      "path must start with '/', got 'no-leading-slash'", r.stderr)

    def test_missing_plugin_names_what_is_available(self):
        text = config_text(os.path.join(self.dir, "data"), dev_certs(), free_port(), free_port())
        text = text.replace("plugin: example_echo", "plugin: example_ecco")
        path = self.write(text)
        r = kangqiao("check", "--config", path)
        self.assertEqual(r.returncode, 2)
        self.assertIn("plugin 'example_ecco' was not found in", r.stderr)
        self.assertRegex(r.stderr, r"\(available:( \w+)* example_echo( \w+)*\)")

    def test_skip_keeps_other_adapters(self):
        extra = ("  - name: broken\n    plugin: example_echo\n    on_error: skip\n    listener: ingest\n"
                 "    roles: [records.write]\n    config:\n      path: broken\n")
        text = config_text(os.path.join(self.dir, "data"), dev_certs(), free_port(), free_port(),
                           extra_adapters=extra)
        path = self.write(text)
        r = kangqiao("check", "--config", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 adapter", r.stdout)
        self.assertIn("warning: adapter skipped: broken: ", r.stdout)

    def test_a_pulling_principal_without_purposes_or_jurisdiction_is_a_warning(self):
        text = config_text(os.path.join(self.dir, "data"), dev_certs(), free_port(), free_port())
        text += ("  - name: idle-platform\n    organisation: 11110000MB0000009X\n    roles: [records.pull]\n"
                 "    subject: \"CN=idle-platform,O=Nobody,C=CN\"\n")
        r = kangqiao("check", "--config", self.write(text))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("warning: consent: principal 'idle-platform' has the role records.pull but no purposes: "
                      "every pull it makes is refused", r.stdout)
        self.assertIn("warning: consent: principal 'idle-platform' has the role records.pull but no jurisdiction: "
                      "it receives no record", r.stdout)

    def test_mapping_typo_is_found_by_check_with_location_and_suggestion(self):
        mappings = os.path.join(self.dir, "mappings")
        shutil.copytree(os.path.join(SOURCE_DIR, "mappings"), mappings)
        adt = os.path.join(mappings, "his/adt_a01.yaml")
        with open(adt) as f:
            lines = f.read().split("\n")
        line = next(i for i, l in enumerate(lines) if l.strip().startswith("dept: {from: PV1-3.1}"))
        lines[line] = lines[line].replace("{from:", "{form:")
        with open(adt, "w") as f:
            f.write("\n".join(lines))
        text = config_text(os.path.join(self.dir, "data"), dev_certs(), free_port(), free_port())
        path = self.write(text + f"mappings:\n  directory: {mappings}\n")
        r = kangqiao("check", "--config", path)
        self.assertEqual(r.returncode, 2, r.stdout)
        self.assertRegex(r.stderr, rf"{adt}:{line + 1}:\d+: .*'form'.*did you mean 'from'")

    def test_shipped_mappings_compile_in_check(self):
        subprocess.run([os.path.join(SOURCE_DIR, "certs/gen-dev-certs.sh")], check=True)
        r = kangqiao("check", "--config", "config/kangqiao.yaml")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"[1-9]\d* mappings")

    def test_missing_file(self):
        r = kangqiao("check", "--config", "/nonexistent/kangqiao.yaml")
        self.assertEqual(r.returncode, 2)
        self.assertIn("/nonexistent/kangqiao.yaml", r.stderr)


class PluginsCommand(unittest.TestCase):
    def test_lists_plugins_with_fields(self):
        r = kangqiao("plugins", "--dir", PLUGIN_DIR)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("example_echo 1.1.0  (requires ABI 1.0, built with SDK 1.5)", r.stdout)
        self.assertIn("his 0.3.0  (requires ABI 1.2, built with SDK 1.5)", r.stdout)
        self.assertRegex(r.stdout, r"path\s+string\s+default /example/records")
        self.assertRegex(r.stdout, r"max_body_bytes\s+bytes \[1\.\.67108864\]")

    def test_reports_bad_plugins_and_exits_1(self):
        r = kangqiao("plugins", "--dir", TEST_PLUGIN_DIR)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not loaded: " + os.path.join(TEST_PLUGIN_DIR, "test_wrong_major.so"), r.stdout)
        self.assertIn("is incompatible with this gateway's ABI 1.5", r.stdout)
        self.assertIn("test_mllp 0.0.1  (requires ABI 1.1, built with SDK 1.1)", r.stdout)
        self.assertIn("plugin needs ABI 1.6 or later, this gateway offers 1.5", r.stdout)
        self.assertIn("test_configurable 0.0.1", r.stdout)


class HelpAndVersion(unittest.TestCase):
    def test_version(self):
        r = kangqiao("version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^kangqiao \d+\.\d+\.\d+\nplugin ABI 1\.5\nSQLite 3\.")

    def test_help_for_every_command(self):
        for cmd in ("run", "check", "plugins", "version"):
            r = kangqiao(cmd, "--help")
            self.assertEqual(r.returncode, 0, cmd)
            self.assertIn(f"Usage: kangqiao {cmd}", r.stdout)
        r = kangqiao("--help")
        self.assertIn("Commands:", r.stdout)

    def test_unknown_command_and_option(self):
        self.assertEqual(kangqiao("frobnicate").returncode, 2)
        r = kangqiao("check", "--confg", "x")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown option '--confg'", r.stderr)


if __name__ == "__main__":
    unittest.main()
