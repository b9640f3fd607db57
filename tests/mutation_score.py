"""The mutation score of the last `make mutate`, module by module.

    .venv/bin/python -m tests.mutation_score

Reads what `mutmut results --all true` says of each mutant, and `equivalent-mutants.md` (beside
pyproject.toml), where every mutant that cannot change what the board does is listed with why.
The score is the share of the other mutants that the tests detect (fail on, or hang on). A
listed mutant that the tests kill all the same is reported: its line should go.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "equivalent-mutants.md"
TARGET = 0.90
# What the tests detect: a failure, or a hang or crash that mutmut stops.
DETECTED = {"killed", "timeout", "segfault"}
LISTED = re.compile(r"^- `([\w.]+__mutmut_\d+)`")


def statuses() -> dict[str, str]:
    """Each mutant's status as mutmut reports it: killed, survived, no tests, timeout…"""
    mutmut = Path(sys.executable).parent / "mutmut"
    output = subprocess.run(
        [str(mutmut), "results", "--all", "true"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: dict[str, str] = {}
    for line in output.splitlines():
        name, sep, status = line.strip().partition(": ")
        if sep and "__mutmut_" in name:
            found[name] = status.strip()
    return found


def equivalent() -> set[str]:
    """The mutants `equivalent-mutants.md` lists as unable to change behaviour."""
    return {m[1] for line in EQUIVALENT.read_text().splitlines() if (m := LISTED.match(line))}


def module_of(mutant: str) -> str:
    """The module of a mutant: `board.tokens` of `board.tokens.x_make_token__mutmut_3`, and of
    a method's `board.page_cache.xǁPageCacheǁfetch__mutmut_1`."""
    return re.split(r"\.x[_ǁ]", mutant, maxsplit=1)[0]


def main() -> int:
    found = statuses()
    if not found:
        print("No mutants: run `make mutate` first.")
        return 1
    listed = equivalent()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for mutant, status in found.items():
        module = module_of(mutant)
        counts[module]["mutants"] += 1
        outcome = "killed" if status in DETECTED else status
        if mutant in listed:
            counts[module]["killed anyway" if outcome == "killed" else "equivalent"] += 1
        else:
            counts[module][outcome] += 1
    total: Counter[str] = Counter()
    print(f"{'module':38} {'mutants':>7} {'killed':>7} {'survived':>8} {'no tests':>8} "
          f"{'equivalent':>10} {'score':>6}")  # fmt: skip
    for module in sorted(counts):
        row = counts[module]
        total.update(row)
        print(line(module, row))
    print(line("all", total))
    for mutant in sorted(m for m in listed if found.get(m) in DETECTED):
        print(f"listed as equivalent, but killed: {mutant}")
    for mutant in sorted(listed - set(found)):
        print(f"listed as equivalent, but no longer made: {mutant}")
    score = killed_share(total)
    print(f"score {score:.1%} (target {TARGET:.0%})")
    return 0


def killed_share(row: Counter[str]) -> float:
    counted = row["mutants"] - row["equivalent"]
    return row["killed"] / counted if counted else 1.0


def line(module: str, row: Counter[str]) -> str:
    return (
        f"{module:38} {row['mutants']:7d} {row['killed']:7d} {row['survived']:8d} "
        f"{row['no tests']:8d} {row['equivalent']:10d} {killed_share(row):6.1%}"
    )


if __name__ == "__main__":
    sys.exit(main())
