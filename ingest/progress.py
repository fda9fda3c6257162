"""Progress of a batch: one event per finished page, for a tqdm bar (CLI) or a job record (queue)."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Progress:
    pages_done: int
    pages_total: int
    items_done: int
    items_total: int
    elapsed_s: float
    pages_per_s: float
    eta_s: float | None  # None until the first page is done
    current: str = ""  # the item a page was just finished for

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


ProgressCallback = Callable[[Progress], None]


class Meter:
    """Counts pages and items and turns them into Progress events."""

    def __init__(self, pages_total: int, items_total: int, callback: ProgressCallback | None) -> None:
        self.pages_total = pages_total
        self.items_total = items_total
        self.pages_done = 0
        self.items_done = 0
        self._callback = callback
        self._start = time.monotonic()

    def page(self, current: str) -> None:
        self.pages_done += 1
        self._emit(current)

    def item(self, current: str, pages_left: int = 0) -> None:
        # A failed item's unprocessed pages will never come: take them off the total.
        self.items_done += 1
        self.pages_total -= pages_left
        self._emit(current)

    def _emit(self, current: str) -> None:
        if self._callback is None:
            return
        elapsed = time.monotonic() - self._start
        rate = self.pages_done / elapsed if elapsed > 0 else 0.0
        left = max(self.pages_total - self.pages_done, 0)
        eta = left / rate if rate > 0 else None
        self._callback(Progress(self.pages_done, self.pages_total, self.items_done, self.items_total,
                                round(elapsed, 2), round(rate, 3), None if eta is None else round(eta, 1),
                                current))


class TqdmProgress:
    """A tqdm bar fed by Progress events (the CLI's bar: pages, pages/s, ETA)."""

    def __init__(self, **tqdm_options: Any) -> None:
        from tqdm import tqdm  # only the CLI needs tqdm
        self._bar = tqdm(total=0, unit="page", dynamic_ncols=True, **tqdm_options)

    def __call__(self, event: Progress) -> None:
        self._bar.total = event.pages_total
        self._bar.n = event.pages_done
        self._bar.set_postfix_str(f"items {event.items_done}/{event.items_total}", refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        self._bar.close()

    def __enter__(self) -> "TqdmProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
