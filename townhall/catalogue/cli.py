"""Check definition files: ``check_files(files, out=..., output_format="text"|"json") -> exit status``. No Django.

Used by ``manage.py definitions check FILE...`` and runnable on its own (for pre-commit hooks and CI
in a council's own repository): ``python -m townhall.catalogue.cli definitions/*.yaml``.

Text output is one line per finding, ``FILE:LINE: CODE severity message (path)``, then a summary.
The exit status is 1 when any file has an error, 0 otherwise (warnings alone pass).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from townhall.catalogue.checker import ERROR, Finding, check_definition
from townhall.catalogue.parsing import parse_definition_with_lines
from townhall.core.errors import ValidationFailed


class Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def check_file(filename: str, *, max_bytes: int | None = None) -> list[Finding]:
    """Parse and check one file; syntax and schema problems come back as findings too."""
    try:
        source = Path(filename).read_bytes()
    except OSError as exc:
        return [Finding("TH900", ERROR, f"Cannot read the file: {exc.strerror or exc}.", "", None)]
    try:
        defn, lines = parse_definition_with_lines(source, filename=filename, max_bytes=max_bytes)
    except ValidationFailed as failure:
        errors = failure.errors or []
        return [Finding(e.code, ERROR, e.message, e.path, e.line) for e in errors] or [
            Finding("TH901", ERROR, failure.detail, "", None)
        ]
    return check_definition(defn, lines=lines)


def _text_line(filename: str, finding: Finding) -> str:
    where = f" ({finding.path})" if finding.path else ""
    return f"{filename}:{finding.line or 1}: {finding.code} {finding.severity} {finding.message}{where}\n"


def check_files(
    files: Iterable[str], *, out: Writable | None = None, output_format: str = "text", max_bytes: int | None = None
) -> int:
    """Check each file, write the findings to ``out`` (stdout by default), return the exit status."""
    out = out if out is not None else sys.stdout
    results = [(str(name), check_file(str(name), max_bytes=max_bytes)) for name in files]
    errors = sum(1 for _, found in results for f in found if f.severity == ERROR)
    warnings = sum(1 for _, found in results for f in found if f.severity != ERROR)
    if output_format == "json":
        document = {
            "files": [{"file": name, "findings": [f.as_dict() for f in found]} for name, found in results],
            "errors": errors,
            "warnings": warnings,
        }
        out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    elif output_format == "text":
        for name, found in results:
            for finding in found:
                out.write(_text_line(name, finding))
        out.write(f"{len(results)} file(s) checked: {errors} error(s), {warnings} warning(s).\n")
    else:
        raise ValueError(f"output_format must be 'text' or 'json', not {output_format!r}")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="townhall-definitions", description="Check service definition files.")
    parser.add_argument("files", nargs="+")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--max-bytes", type=int, default=None)
    args = parser.parse_args(argv)
    return check_files(args.files, output_format=args.format, max_bytes=args.max_bytes)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
