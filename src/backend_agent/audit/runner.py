"""`run_check`: parse the files, run the enabled rules, apply `# noqa`, merge ruff, fix.

The one entry point for the `check` command and for `verify`.
"""

from __future__ import annotations

import ast
import dataclasses
import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from backend_agent.audit.codebase import Codebase
from backend_agent.audit.config import AuditConfig, load_config
from backend_agent.audit.discovery import discover
from backend_agent.audit.finding import Applicability, Finding, Fix
from backend_agent.audit.fixes import apply_verified
from backend_agent.audit.noqa import apply_noqa
from backend_agent.audit.parsed_module import ParsedModule, relative_path
from backend_agent.audit.parsing import parse_source
from backend_agent.audit.print_to_logger import logger_fix
from backend_agent.audit.registry import RULES, SYNTAX_ERROR
from backend_agent.audit.reporters import display_path
from backend_agent.audit.ruff import RuffRun
from backend_agent.write.atomic import write_atomically

_MAX_FIX_PASSES = 10


@dataclass(frozen=True)
class AuditReport:
    """The result of one check."""

    findings: list[Finding]
    """What remains, ours and ruff's, sorted by file and position."""
    files_checked: int
    """How many Python files were read."""
    fixes_applied: int = 0
    """How many fixes `fix=True` applied, ours and ruff's."""
    warnings: tuple[str, ...] = ()
    """Files the rules could not read, and what the analysis of the other files lost by it."""


@dataclass
class _Source:
    path: Path
    text: str
    tree: ast.Module | None
    findings: list[Finding]
    unread: str | None = None
    """Why the rules could not read the file (None when they did)."""


def run_check(
    paths: Sequence[Path],
    *,
    config: AuditConfig | None = None,
    include_ruff: bool = True,
    fix: bool = False,
) -> AuditReport:
    """Check files and directories against our rules (and ruff's), optionally fixing them.

    Args:
        paths: Files or directories; directories are walked, skipping excluded names.
        config: The configuration; by default read from the nearest pyproject.toml of the
            first path (or of the current directory when `paths` is empty).
        include_ruff: Also run ruff for the selected non-BA codes.
        fix: Apply safe fixes (and unsafe ones when `config.unsafe_fixes`), ours and
            ruff's, each checked before it is written, re-checking until nothing more
            applies; the findings returned are those of the fixed files.

    Returns:
        The remaining findings and how many files were checked.

    Raises:
        UsageError: A path does not exist, or ruff rejected the selection.
    """
    targets = list(paths) or [Path.cwd()]
    config = config or load_config(targets[0])
    files = discover(targets, config)
    with _collector_paused():
        fixes_applied = _fix(files, config, include_ruff=include_ruff) if fix else 0
        ruff = _start_ruff(files, config) if include_ruff else None
        sources, codebase = _check_all(files, config)
        findings = _merged(sources, codebase, ruff, config)
    findings.sort(key=lambda f: (str(f.path), f.line, f.column, f.code))
    return AuditReport(
        findings, len(files), fixes_applied, _unread_warnings(sources, codebase, config)
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the syntax trees are built and checked.

    Parsing allocates millions of syntax-tree nodes that form no cycles; the collector
    would scan them again and again as they pile up, which doubles the time of a check.
    Reference counting still frees them. On the way out they are frozen (moved out of the
    collector's sight) so that re-enabling it does not start by scanning them all.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _check_all(files: list[Path], config: AuditConfig) -> tuple[list[_Source], Codebase]:
    sources = [_parse(path, config) for path in files]
    codebase = Codebase([(s.path, s.text, s.tree) for s in sources], config)
    for source in sources:
        module = codebase.checked.get(source.path)
        if module is not None:
            source.findings.extend(_check_module(module, config))
    return sources, codebase


def _parse(path: Path, config: AuditConfig) -> _Source:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        reason = f"File is not UTF-8: {error.reason}"
        return _Source(path, "", None, _syntax_errors(path, config, reason, 1, 1), reason)
    except OSError as error:
        return _Source(path, "", None, [], f"cannot be read: {error.strerror}")
    parsed = parse_source(text, config.target_version)
    findings = []
    if parsed.problem is not None:
        problem = parsed.problem
        findings = _syntax_errors(path, config, problem.message, problem.line, problem.column)
    unread = None
    if parsed.tree is None:
        unread = "it does not parse" if parsed.problem else "its syntax is newer than this Python"
    return _Source(path, text, parsed.tree, findings, unread)


def _syntax_errors(
    path: Path, config: AuditConfig, message: str, line: int, column: int
) -> list[Finding]:
    """BA001 at the position, when it is selected for the file."""
    ignored = config.ignored_in(relative_path(path, config))
    if not config.is_enabled(SYNTAX_ERROR) or any(SYNTAX_ERROR.startswith(c) for c in ignored):
        return []
    return [
        Finding(
            SYNTAX_ERROR,
            message,
            "Fix the syntax so the file can be checked",
            path,
            line,
            column,
            line,
            column + 1,
        )
    ]


_FOLLOWED_FACTS = (
    ("database types", ("BA201", "BA202", "BA203", "BA204", "BA205", "BA206", "BA207")),
    ("routers", ("BA103", "BA104", "BA201")),
    ("blocking helpers", ("BA207",)),
    ("HTTP exceptions and settings classes", ("BA102", "BA301")),
)
"""What rules learn from names defined in other files, and which rules learn it."""


def _unread_warnings(
    sources: list[_Source], codebase: Codebase, config: AuditConfig
) -> tuple[str, ...]:
    """For each file the rules could not read: which names the others lost, for which rules."""
    modules = list(codebase.checked.values())
    warnings = []
    for source in sources:
        if source.unread is None:
            continue
        name = codebase.names[source.path]
        imported = sorted(
            {
                qualified.removeprefix(name + ".")
                for module in modules
                for _, names in module.import_nodes
                for qualified in names
                if qualified.startswith(name + ".")
            }
        )
        where = display_path(source.path)
        if not imported:
            warnings.append(f"{where} was not checked ({source.unread}); no other file imports it")
            continue
        lost = [
            f"{fact} for {', '.join(codes)}"
            for fact, all_codes in _FOLLOWED_FACTS
            if (codes := [code for code in all_codes if config.is_enabled(code)])
        ]
        warnings.append(
            f"{where} was not checked ({source.unread}), so what other files import from it "
            f"({', '.join(imported)}) is unknown to the rules: " + "; ".join(lost)
        )
    return tuple(warnings)


def _check_module(module: ParsedModule, config: AuditConfig) -> list[Finding]:
    ignored = config.ignored_in(module.relative)

    def enabled(code: str) -> bool:
        return config.is_enabled(code) and not any(code.startswith(prefix) for prefix in ignored)

    findings = []
    for rule in RULES:
        if rule.check is None or not enabled(rule.code):
            continue
        for violation in rule.check(module):
            findings.append(
                Finding(
                    code=rule.code,
                    message=violation.message,
                    fix_title=violation.fix_title,
                    path=module.path,
                    line=violation.line,
                    column=violation.column,
                    end_line=violation.end_line,
                    end_column=violation.end_column,
                    fix=violation.fix,
                )
            )
    return apply_noqa(findings, module.path, module.text, enabled)


def _merged(
    sources: list[_Source], codebase: Codebase, ruff: RuffRun | None, config: AuditConfig
) -> list[Finding]:
    """Our findings and ruff's (with our fixes where ours are better), without duplicates."""
    findings = [finding for source in sources for finding in source.findings]
    if ruff is None:
        return findings
    ruffs = [_with_our_fix(finding, codebase) for finding in _ruff_findings(ruff, config)]
    return _without_ruff_duplicates(findings, ruffs)


def _with_our_fix(finding: Finding, codebase: Codebase) -> Finding:
    """T201 gets our fix (log through the module's logger) instead of ruff's (delete)."""
    if finding.code != "T201":
        return finding
    module = codebase.checked.get(finding.path)
    fix = logger_fix(module, finding) if module is not None else None
    title = "Log it with the module's logger" if fix is not None else finding.fix_title
    return dataclasses.replace(finding, fix=fix, fix_title=title)


def _fix(files: list[Path], config: AuditConfig, *, include_ruff: bool) -> int:
    """Apply every allowed fix, ours and ruff's, checked before it is written, until none
    applies; return how many were applied."""
    allowed = {Applicability.SAFE} | ({Applicability.UNSAFE} if config.unsafe_fixes else set())
    applied = 0
    for _ in range(_MAX_FIX_PASSES):
        ruff = _start_ruff(files, config) if include_ruff else None
        sources, codebase = _check_all(files, config)
        texts = {source.path: source.text for source in sources}
        fixes: dict[Path, list[Fix]] = {}
        moves: list[tuple[Path, Fix]] = []
        for finding in _merged(sources, codebase, ruff, config):
            fix = finding.fix
            if fix is not None and fix.edits and fix.applicability in allowed:
                if fix.elsewhere:
                    moves.append((finding.path, fix))
                else:
                    fixes.setdefault(finding.path, []).append(fix)
        count = 0
        touched: set[Path] = set()
        for path, move in moves:
            count += _apply_across_files(path, move, texts, touched, config)
        for path, path_fixes in fixes.items():
            if path not in texts or path in touched:
                continue
            text, done = apply_verified(texts[path], path_fixes, config.target_version)
            if done:
                write_atomically(path, text.encode())
                count += done
        if not count:
            break
        applied += count
    return applied


def _apply_across_files(
    path: Path, fix: Fix, texts: dict[Path, str], touched: set[Path], config: AuditConfig
) -> int:
    """Apply a fix that edits several files: every file checked, all written or none."""
    parts = [(path, fix.edits), *fix.elsewhere]
    if any(part in touched or part not in texts for part, _ in parts):
        return 0
    results = {}
    for part, edits in parts:
        single = Fix(fix.applicability, edits)
        text, done = apply_verified(texts[part], [single], config.target_version)
        if not done:
            return 0
        results[part] = text
    for part, text in results.items():
        write_atomically(part, text.encode())
        touched.add(part)
    return 1


def _start_ruff(files: list[Path], config: AuditConfig) -> RuffRun:
    select = [code for code in config.select if not code.startswith("BA")]
    ignore = [code for code in config.ignore if not code.startswith("BA")]
    return RuffRun(files, select=select, ignore=ignore, cwd=config.root)


_RUFF_DUPLICATES = {"BA301": frozenset({"S105", "S106", "S107"})}
"""Our codes that ruff's codes already cover when both report one line: ruff's is kept."""


def _without_ruff_duplicates(ours: list[Finding], ruffs: list[Finding]) -> list[Finding]:
    covered = {(finding.path, finding.line, finding.code) for finding in ruffs}
    kept = [
        finding
        for finding in ours
        if not any(
            (finding.path, finding.line, code) in covered
            for code in _RUFF_DUPLICATES.get(finding.code, ())
        )
    ]
    return kept + ruffs


def _ruff_findings(ruff: RuffRun, config: AuditConfig) -> list[Finding]:
    kept = []
    for finding in ruff.findings():
        ignored = config.ignored_in(relative_path(finding.path, config))
        if not any(finding.code.startswith(prefix) for prefix in ignored):
            kept.append(finding)
    return kept
