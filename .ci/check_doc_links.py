#!/usr/bin/env python3
"""Documentation links: every `docs/<page>.md#<anchor>` cited anywhere in the repository, and
every relative link in a Markdown file, must name an existing file and, with an anchor, an
existing heading of it. Also refuses citations of documents outside the repository (the old
design brief and reference). Run from anywhere: `python3 .ci/check_doc_links.py`; exits 1 and
lists each problem as `file:line: message`."""

import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SKIP_DIRS = {".git", "target", "node_modules", "data"}
EXTENSIONS = (".rs", ".md", ".toml", ".sql", ".sh", ".py", ".yml", ".yaml")

# `docs/….md` with an optional `#anchor`, as cited in comments and prose.
CITATION = re.compile(r"(?<![\w./-])(docs/[\w./-]+?\.md)(#[\w-]+)?")
# Markdown links `[text](target)`.
MD_LINK = re.compile(r"\]\(([^)\s]+)\)")
# Citations of documents that are not in this repository.
OUTSIDE = re.compile(
    r"\.\./shared/|\breference §|\b[Rr]eference \d|[Aa]ppendix A of the reference"
    r"|\bshared brief\b|\bthe brief\b|\bdesign brief\b"
)


def files():
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            if name.endswith(EXTENSIONS):
                yield os.path.join(dirpath, name)


def slug(heading):
    """GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_~]|<[^>]*>", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


_anchors = {}


def anchors(path):
    if path not in _anchors:
        found, seen, fenced = set(), {}, False
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.lstrip().startswith("```"):
                    fenced = not fenced
                    continue
                if fenced:
                    continue
                m = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
                if m:
                    base = slug(m.group(1))
                    n = seen.get(base, 0)
                    seen[base] = n + 1
                    found.add(base if n == 0 else f"{base}-{n}")
                found.update(re.findall(r'<a\s+(?:id|name)="([^"]+)"', line))
        _anchors[path] = found
    return _anchors[path]


def check(target_file, anchor, where, problems):
    if not os.path.isfile(target_file):
        problems.append(f"{where}: no such file {os.path.relpath(target_file, ROOT)}")
    elif anchor and target_file.endswith(".md") and anchor not in anchors(target_file):
        rel = os.path.relpath(target_file, ROOT)
        problems.append(f"{where}: {rel} has no heading for #{anchor}")


def main():
    problems, cited = [], 0
    this = os.path.abspath(__file__)
    for path in files():
        rel = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
        for number, line in enumerate(lines, 1):
            where = f"{rel}:{number}"
            if path != this and OUTSIDE.search(line):
                problems.append(f"{where}: cites a document outside the repository: {line.strip()}")
            for page, anchor in CITATION.findall(line):
                cited += 1
                check(os.path.join(ROOT, page), anchor[1:], where, problems)
            if path.endswith(".md"):
                for target in MD_LINK.findall(line):
                    if re.match(r"[a-z]+:", target):
                        continue  # http:, https:, mailto:
                    page, _, anchor = target.partition("#")
                    cited += 1
                    full = os.path.normpath(os.path.join(os.path.dirname(path), page)) if page else path
                    check(full, anchor, where, problems)
    for p in problems:
        print(p)
    print(f"doc links: {cited} checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
