"""docs/mapping-language.md as a user reads it: every example in it runs, with the real binary.

The page marks what can be checked:
  ```yaml title=docs/examples/mapping/hl7v2/adt.yaml   a file shown whole: the block must be the
                                                        file's bytes, and every file under
                                                        docs/examples/ must be shown this way
  ```console exit=2                                     commands ("$ kangqiao …", run from the
                                                        repository root) and exactly what they
                                                        print: stdout, then stderr; exit=N is the
                                                        exit status (0 when not given)
So the text a reader copies is the text that is tested, and a change to the engine that changes
an output or an error message fails here until the page says the same.
"""
import os
import re
import shlex
import subprocess
import unittest

from harness import BIN, SOURCE_DIR

DOC = os.path.join(SOURCE_DIR, "docs", "mapping-language.md")
EXAMPLES = os.path.join(SOURCE_DIR, "docs", "examples")
# Files the page cannot show as text; they are used by commands on the page instead.
BINARY_SUFFIXES = (".xlsx",)

FENCE = re.compile(r"^(`{3,})(.*)$")


def fenced_blocks(text):
    """(info string, content, line number) of every fenced code block of a Markdown text."""
    blocks = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info, start = m.group(1), m.group(2).strip(), i + 1
        i += 1
        body = []
        while i < len(lines) and lines[i].rstrip() != fence:
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        blocks.append((info, "\n".join(body) + "\n" if body else "", start))
    return blocks


def info_attributes(info):
    """`yaml title=a/b.yaml exit=1` -> {'title': 'a/b.yaml', 'exit': '1'}."""
    return dict(word.split("=", 1) for word in info.split()[1:] if "=" in word)


def console_commands(content):
    """[(argv, expected output)] of a console block: "$ " lines (a trailing backslash continues
    the command) followed by the lines they print."""
    runs = []
    lines = content.split("\n")[:-1]
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            raise AssertionError(f"console block: output before any command: {lines[i]!r}")
        command = lines[i][2:]
        while command.endswith("\\"):
            i += 1
            command = command[:-1] + " " + lines[i].strip()
        i += 1
        output = []
        while i < len(lines) and not lines[i].startswith("$ "):
            output.append(lines[i])
            i += 1
        runs.append((shlex.split(command), "".join(line + "\n" for line in output)))
    return runs


def run_kangqiao(argv):
    if argv[0] != "kangqiao":
        raise AssertionError(f"only kangqiao commands are run, not {argv[0]}")
    return subprocess.run([BIN, *argv[1:]], capture_output=True, text=True, cwd=SOURCE_DIR, timeout=60)


def read_doc():
    with open(DOC, encoding="utf-8") as f:
        return f.read()


class ShownFiles(unittest.TestCase):
    """A file shown on the page is the file that is run, byte for byte."""

    def setUp(self):
        self.blocks = [(info_attributes(info), content, line) for info, content, line in fenced_blocks(read_doc())]

    def test_every_titled_block_is_the_file_it_names(self):
        titled = [(attrs["title"], content, line) for attrs, content, line in self.blocks if "title" in attrs]
        self.assertGreaterEqual(len(titled), 20)
        for title, content, line in titled:
            with self.subTest(title=title, line=line):
                path = os.path.join(SOURCE_DIR, title)
                self.assertTrue(os.path.isfile(path), f"line {line}: {title} does not exist")
                with open(path, encoding="utf-8", newline="") as f:
                    self.assertEqual(content, f.read(), f"line {line}: the block differs from {title}")

    def test_every_example_file_is_shown(self):
        shown = {attrs["title"] for attrs, _, _ in self.blocks if "title" in attrs}
        for folder, _, files in os.walk(EXAMPLES):
            for name in files:
                relative = os.path.relpath(os.path.join(folder, name), SOURCE_DIR)
                if name.endswith(BINARY_SUFFIXES):
                    continue
                with self.subTest(file=relative):
                    self.assertIn(relative, shown, f"{relative} is tested but not shown on the page")


class ShownCommands(unittest.TestCase):
    """Every console block runs and prints exactly what the page shows."""

    def console_blocks(self):
        return [(info_attributes(info), content, line) for info, content, line in fenced_blocks(read_doc())
                if info.split()[:1] == ["console"]]

    def test_every_command_prints_what_the_page_shows(self):
        blocks = self.console_blocks()
        self.assertGreaterEqual(len(blocks), 8)
        for attrs, content, line in blocks:
            for argv, expected in console_commands(content):
                with self.subTest(line=line, command=" ".join(argv)):
                    r = run_kangqiao(argv)
                    self.assertEqual(r.stdout + r.stderr, expected)
                    self.assertEqual(r.returncode, int(attrs.get("exit", "0")), r.stderr)

    def test_the_typo_example_is_refused_with_locations_and_suggestions(self):
        # The page's promise about compile errors, checked on the example it uses.
        typo_blocks = [c for attrs, c, _ in self.console_blocks() if "docs/examples/broken/typos.yaml" in c]
        self.assertEqual(len(typo_blocks), 1)
        (argv, expected), = console_commands(typo_blocks[0])
        r = run_kangqiao(argv)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr, expected)
        self.assertIn("docs/examples/broken/typos.yaml:13:7: patient: unknown field 'txet'; "
                      "did you mean 'text'?", r.stderr)
        self.assertIn("docs/examples/broken/typos.yaml:15:46: unknown step 'dat'; did you mean 'date'?", r.stderr)
        self.assertTrue(r.stderr.endswith("\n7 errors\n"), r.stderr)

    def test_example_folder_passes_its_own_tests(self):
        r = run_kangqiao(["kangqiao", "test-mappings", "docs/examples/mapping", "--no-coverage"])
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertNotIn("FAIL", r.stdout)
        self.assertNotIn("NO TESTS", r.stdout, "every example mapping has a test file")
        files = sum(name.endswith(".test.yaml") for _, _, names in os.walk(os.path.join(EXAMPLES, "mapping"))
                    for name in names)
        self.assertRegex(r.stdout, r"\n(\d+) tests in %d files: \1 passed, 0 failed\n$" % files)


class ReadmeCommands(unittest.TestCase):
    """The mapping commands that mappings/README.md tells people to run still work."""

    def test_mapping_readme_commands_succeed(self):
        with open(os.path.join(SOURCE_DIR, "mappings", "README.md"), encoding="utf-8") as f:
            blocks = [content for info, content, _ in fenced_blocks(f.read()) if info == "sh"]
        commands = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()
                    if line.startswith("kangqiao ")]
        self.assertGreaterEqual(len(commands), 3)
        for command in commands:
            with self.subTest(command=command):
                r = run_kangqiao(shlex.split(command))
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
