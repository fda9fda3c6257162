"""The batch report: JSON for scripts and the job queue, a short text for people."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

OK, FAILED, SKIPPED = "ok", "failed", "skipped"


@dataclass
class ItemReport:
    source: str  # folder or file as the batch names it
    status: str  # ok | failed | skipped
    item_id: str | None = None
    pages: int = 0
    mean_confidence: float | None = None
    flagged_pages: list[dict[str, Any]] = field(default_factory=list)  # [{seq, confidence}]
    # Per page: {seq, model, reason, evidence (a short summary), confidence, flagged,
    # restored_pre1918 (letters), doubtful_years [{token, confidence}]}; see `page_ocr`.
    ocr: list[dict[str, Any]] = field(default_factory=list)
    catalog_status: str | None = None  # draft / published (ok), the existing status (skipped)
    pages_reused: int = 0  # pages found complete in storage (a resumed run)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def evidence_summary(evidence: dict[str, Any]) -> str:
    """One short line from what `ocr.select` stored: the probe's numbers, or what forced the model."""
    e = evidence
    if e.get("forced"):
        return f"forced {e['forced']} by {e.get('forced_by') or 'a setting'}, no probe"
    if "letters" not in e:
        return ""
    probe = f"probe {e.get('probe_languages', '?')}"
    if isinstance(e.get("probe_confidence"), (int, float)):
        probe += f" confidence {e['probe_confidence']:.0f}"
    parts = [probe, f"{e['letters']} letters ({e.get('latin_letters', 0)} Latin, "
                    f"{e.get('cyrillic_letters', 0)} Cyrillic)"]
    if e.get("kazakh_letters") or e.get("kazakh_latin_letters"):
        parts.append(f"{e.get('kazakh_letters', 0)} Kazakh Cyrillic, "
                     f"{e.get('kazakh_latin_letters', 0)} Kazakh Latin letters")
    if e.get("final_hard_sign_words") or e.get("old_letters"):
        parts.append(f"pre-1918 markers: {e.get('final_hard_sign_words', 0)} words in final ъ, "
                     f"{e.get('old_letters', 0)} ѣ/ѳ/ѵ")
    if e.get("latin_words"):
        parts.append(f"{e['latin_words']} Latin-script words")
    return "; ".join(parts)


def page_ocr(seq: int, model: str | None, confidence: float | None, flagged: bool,
             evidence: dict[str, Any]) -> dict[str, Any]:
    """A page's OCR entry in the report, from its stored record (`ocr_evidence` as ocr.select wrote it)."""
    restored = evidence.get("restored_pre1918") or {}
    doubtful = evidence.get("doubtful_years") or []
    return {
        "seq": seq, "model": model, "reason": evidence.get("reason"), "evidence": evidence_summary(evidence),
        "confidence": confidence, "flagged": flagged,
        "restored_pre1918": sum(restored.values()) if isinstance(restored, dict) else 0,
        "doubtful_years": [{"token": d.get("token"), "confidence": d.get("confidence")}
                           for d in doubtful if isinstance(d, dict)],
    }


def _page_line(p: dict[str, Any]) -> str:
    conf = f"{p['confidence']:.0f}" if isinstance(p.get("confidence"), (int, float)) else "-"
    flagged = ", flagged" if p.get("flagged") else ""
    line = f"          p.{p['seq']}: {p.get('model') or '-'} (confidence {conf}{flagged})"
    line += f" — {p.get('reason') or 'no reason stored'}"
    if p.get("evidence"):
        line += f" [{p['evidence']}]"
    if p.get("restored_pre1918"):
        line += f"; {p['restored_pre1918']} pre-1918 letters restored"
    if p.get("doubtful_years"):
        line += "; doubtful years: " + ", ".join(
            f"{d['token']} ({d['confidence']:.2f})" if isinstance(d.get("confidence"), (int, float))
            else str(d["token"]) for d in p["doubtful_years"])
    return line


@dataclass
class BatchReport:
    items: list[ItemReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def totals(self) -> dict[str, Any]:
        ok = [i for i in self.items if i.status == OK]
        pages = sum(i.pages for i in ok)
        return {
            "items": len(self.items),
            "ok": len(ok),
            "failed": sum(1 for i in self.items if i.status == FAILED),
            "skipped": sum(1 for i in self.items if i.status == SKIPPED),
            "pages": pages,
            "flagged_pages": sum(len(i.flagged_pages) for i in ok),
            "pages_per_minute": round(pages * 60 / self.seconds, 1) if self.seconds > 0 else None,
        }

    @property
    def ok(self) -> bool:
        return all(i.status != FAILED for i in self.items)

    def to_json(self) -> dict[str, Any]:
        return {"items": [asdict(i) for i in self.items], "totals": self.totals,
                "seconds": round(self.seconds, 2)}

    def summary(self) -> str:
        t = self.totals
        lines = [f"{t['items']} items: {t['ok']} ok, {t['failed']} failed, {t['skipped']} skipped; "
                 f"{t['pages']} pages in {self.seconds:.1f} s; {t['flagged_pages']} pages flagged for review"]
        for i in self.items:
            head = f"  {i.status.upper():7} {i.item_id or '-':12} {i.source}"
            if i.status == OK:
                conf = f"{i.mean_confidence:.1f}" if i.mean_confidence is not None else "-"
                head += f"  ({i.pages} pages, confidence {conf}, {i.catalog_status})"
                if i.flagged_pages:
                    head += "  flagged: " + ", ".join(f"p.{f['seq']} ({f['confidence']:.0f})" for f in i.flagged_pages)
            elif i.status == SKIPPED:
                head += f"  (already ingested: {i.catalog_status})"
            lines.append(head)
            if i.status == OK:
                lines.extend(_page_line(p) for p in i.ocr)
            if i.error:
                lines.append(f"          {i.error}")
            lines.extend(f"          warning: {w}" for w in i.warnings)
        return "\n".join(lines)
