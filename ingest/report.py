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
    ocr: list[dict[str, Any]] = field(default_factory=list)  # [{seq, model, reason}]
    catalog_status: str | None = None  # draft / published (ok), the existing status (skipped)
    pages_reused: int = 0  # pages found complete in storage (a resumed run)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


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
            if i.error:
                lines.append(f"          {i.error}")
            lines.extend(f"          warning: {w}" for w in i.warnings)
        return "\n".join(lines)
