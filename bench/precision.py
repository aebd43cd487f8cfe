"""Precision of our rules on real FastAPI applications, against a hand-made triage.

`bench/precision_triage.tsv` records findings on public repositories (at one commit each)
with a verdict (true, false, debatable) and a one-line reason. Given local copies of those
trees, this runs the check again and prints, per rule, how many triaged findings still
appear and the precision (true / (true + false)), then every triaged finding that
disappeared and every finding that appeared untriaged (to judge and add to the file).

Run: `python bench/precision.py fastapi/full-stack-fastapi-template=~/src/full-stack ...`
(one REPOSITORY=PATH per tree; repositories without a path are skipped). Figures only.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from dataclasses import replace
from pathlib import Path

from backend_agent.audit import load_config, run_check

TRIAGE = Path(__file__).with_name("precision_triage.tsv")
_SELECT = ("BA", "S105", "S106", "S107")
"""ruff's hardcoded-password rules run too: BA301 leaves the lines they report to them."""

Key = tuple[str, str, int, str]
"""(repository, file relative to the repository, line, code)."""


def _triage() -> dict[Key, dict[str, str]]:
    with TRIAGE.open(encoding="utf-8") as handle:
        return {
            (row["repository"], row["file"], int(row["line"]), row["code"]): row
            for row in csv.DictReader(handle, delimiter="\t")
        }


def _found(repository: str, root: Path, checked: str) -> set[Key]:
    target = root / checked
    config = replace(load_config(target), select=_SELECT, ignore=())
    report = run_check([target], config=config)
    return {
        (repository, finding.path.relative_to(root).as_posix(), finding.line, finding.code)
        for finding in report.findings
        if finding.code.startswith("BA")
    }


def main() -> None:
    """Check each given tree and compare with the triage."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("trees", nargs="+", metavar="REPOSITORY=PATH")
    arguments = parser.parse_args()
    paths = dict(tree.split("=", 1) for tree in arguments.trees)
    triage = _triage()
    checked = {row["repository"]: row["checked"] for row in triage.values()}
    found: set[Key] = set()
    for repository, path in paths.items():
        if repository not in checked:
            parser.error(f"{repository} is not in {TRIAGE.name}")
        found |= _found(repository, Path(path).expanduser().resolve(), checked[repository])
    judged = {key: row for key, row in triage.items() if key[0] in paths}
    verdicts = Counter((key[3], row["verdict"]) for key, row in judged.items() if key in found)
    print(f"{'rule':<7} {'true':>5} {'false':>6} {'debatable':>10} {'precision':>10}")
    for code in sorted({key[3] for key in found}):
        true, false = verdicts[(code, "true")], verdicts[(code, "false")]
        share = f"{true / (true + false):.0%}" if true + false else "-"
        debatable = verdicts[(code, "debatable")]
        print(f"{code:<7} {true:>5} {false:>6} {debatable:>10} {share:>10}")
    gone = sorted(key for key in judged if key not in found)
    new = sorted(key for key in found if key not in triage)
    print(f"\n{len(gone)} triaged findings no longer reported:")
    for key in gone:
        row = judged[key]
        print(f"  {key[0]} {key[1]}:{key[2]} {key[3]} was {row['verdict']}: {row['reason']}")
    print(f"\n{len(new)} findings not triaged yet:")
    for key in new:
        print(f"  {key[0]} {key[1]}:{key[2]} {key[3]}")


if __name__ == "__main__":
    main()
