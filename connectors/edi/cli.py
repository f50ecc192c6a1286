"""``hub edi inspect`` and ``hub edi ack``: envelope summary and partner acknowledgments, and their commands.

The functions return values instead of printing so the Typer commands of :func:`build_app` stay
thin wrappers: ``inspect(path) -> (exit_code, text)``; ``ack(path, out_dir) -> [written files]``.
The EDI plugin adds ``build_app()`` to the ``hub`` CLI through the ``register_commands`` hook, as a
third-party plugin would; Typer is imported only when the commands are built.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.edi import acks, edifact, x12
from connectors.edi.streams import _safe, detect_standard
from hub.errors import EdiError, HubError

if TYPE_CHECKING:
    import typer

__all__ = ["inspect", "ack", "build_app"]


def _describe(exc: HubError) -> str:
    code = getattr(exc, "code", None)
    kind = exc.details.get("ack")
    tail = f" [{kind} code {code}]" if code and kind else f" [code {code}]" if code else ""
    return f"error: {exc}{tail}"


def inspect(path: str | Path) -> tuple[int, str]:
    """Envelopes, groups, sets/messages and segment counts of an EDI file; exit 1 with the first error."""
    path = Path(path)
    lines: list[str] = []
    try:
        if not path.is_file():
            raise EdiError("no such file", file=str(path))
        standard = detect_standard(path)
        if standard == "x12":
            errors = _inspect_x12(path, lines)
        elif standard == "edifact":
            errors = _inspect_edifact(path, lines)
        else:
            raise EdiError("neither X12 (ISA) nor EDIFACT (UNA/UNB) data", file=str(path), segment=1)
    except HubError as exc:
        if not exc.file:
            exc.file = str(path)
        return 1, "\n".join(lines + [_describe(exc)])
    if errors:
        first = errors[0]
        if not first.file:
            first.file = str(path)
        lines.append(f"{len(errors)} error(s); first:")
        lines.append(_describe(first))
        return 1, "\n".join(lines)
    return 0, "\n".join(lines)


def _inspect_x12(path: Path, lines: list[str]) -> list[EdiError]:
    errors: list[EdiError] = []
    for ic in x12.parse(path):
        d = ic.delimiters
        lines.append(
            f"ISA {ic.control} {ic.sender} -> {ic.receiver} version {ic.version} "
            f"(element {d.element!r} component {d.component!r} terminator {d.segment!r}), {ic.segment_count} segments"
        )
        for seg in ic.ta1:
            lines.append(f"  TA1 {seg.get(1)} {seg.get(4)} code {seg.get(5)}")
        for g in ic.groups:
            lines.append(f"  GS {g.functional_id} {g.control} version {g.version}: {len(g.sets)} transaction set(s)")
            for ts in g.sets:
                state = "ok" if ts.accepted else "REJECTED"
                lines.append(
                    f"    ST {ts.id} {ts.control}: {len(ts.segments)} segments (from segment {ts.header.number}) {state}"
                )
        errors.extend(ic.all_errors())
    return errors


def _inspect_edifact(path: Path, lines: list[str]) -> list[EdiError]:
    errors: list[EdiError] = []
    for ic in edifact.parse(path):
        d = ic.delimiters
        lines.append(
            f"UNB {ic.control} {ic.sender} -> {ic.receiver} syntax {ic.syntax}:{ic.syntax_version} read as {ic.charset} "
            f"(element {d.element!r} component {d.component!r} terminator {d.segment!r}), {ic.segment_count} segments"
        )
        for w in ic.warnings:
            lines.append(f"  warning: {w}")
        for g in ic.groups:
            lines.append(f"  UNG {g.header.get(1)} {g.header.get(5)}: {len(g.messages)} message(s)")
        for m in ic.messages:
            state = "ok" if m.accepted else "REJECTED"
            lines.append(
                f"  UNH {m.ref} {m.type}:{m.version}: {len(m.segments)} segments (from segment {m.header.number}) {state}"
            )
        errors.extend(ic.all_errors())
    return errors


def ack(path: str | Path, out_dir: str | Path, *, when: datetime | None = None) -> list[Path]:
    """Write the 997 (one per inbound functional group) or CONTRL a partner would receive for ``path``.

    Raises EdiError when the file cannot be read far enough to acknowledge (no ISA/UNB).
    """
    path, out = Path(path), Path(out_dir)
    standard = detect_standard(path)
    written: list[Path] = []
    if standard == "x12":
        for n, ic in enumerate(x12.parse(path), 1):
            for gi, g in enumerate(ic.groups, 1):
                if g.functional_id == "FA":
                    continue
                target = out / f"{path.stem}.{n}.{gi}.{_safe(g.control)}.997.x12"
                written.append(x12.write_text(acks.build_997(ic, [g], when=when), target))
            if not ic.groups:
                target = out / f"{path.stem}.{n}.997.x12"
                written.append(x12.write_text(acks.build_997(ic, [], when=when), target))
    elif standard == "edifact":
        for n, eic in enumerate(edifact.parse(path), 1):
            target = out / f"{path.stem}.{n}.CONTRL.edi"
            written.append(x12.write_text(acks.build_contrl(eic, when=when), target))
    else:
        raise EdiError("neither X12 (ISA) nor EDIFACT (UNA/UNB) data", file=str(path), segment=1)
    return written


def build_app() -> typer.Typer:
    """The ``hub edi`` Typer sub-application (added through the ``register_commands`` hook)."""
    import typer

    from hub.cli.app import console, handle_errors

    edi_app = typer.Typer(
        help="Inspect X12/EDIFACT files and write the acknowledgements a partner receives.", no_args_is_help=True
    )

    @edi_app.command("inspect")
    @handle_errors
    def inspect_command(
        path: Path = typer.Argument(..., exists=True, dir_okay=False, help="An X12 or EDIFACT file."),
    ) -> None:
        """Envelopes, groups, sets and segment counts; or the error with its segment number and reason."""
        code, text = inspect(path)
        console.print(text, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code)

    @edi_app.command("ack")
    @handle_errors
    def ack_command(
        path: Path = typer.Argument(..., exists=True, dir_okay=False),
        out: Path = typer.Option(..., "--out", help="Folder for the 997/CONTRL."),
    ) -> None:
        """Write the 997 (X12) or CONTRL (EDIFACT) acknowledgement for every group of the file."""
        for written in ack(path, out):
            console.print(str(written), markup=False)

    return edi_app
