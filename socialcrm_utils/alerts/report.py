"""What a run's alert deliveries were, and the alert channels' environment check, without
pandas or the HTTP and SMTP clients.

The runner (``socialcrm run``) prints step 3's deliveries from ``alerts_delivered.csv``
(:meth:`DeliveryReport.from_csv`) and checks the channels' ``${NAME}`` variables before any
step runs (:func:`check_alert_environment`); this module keeps both out of the heavy imports of
:mod:`.delivery`, which re-exports every name here.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import PlaybookError

if TYPE_CHECKING:
    import pandas as pd

    from ..playbook import Playbook

__all__ = ["DELIVERY_COLUMNS", "Delivery", "DeliveryReport", "check_alert_environment"]

#: Columns of :meth:`DeliveryReport.frame`.
DELIVERY_COLUMNS: tuple[str, ...] = (
    "rule",
    "window",
    "subject",
    "channel",
    "severity",
    "status",
    "attempts",
    "reason",
)


@dataclass(frozen=True)
class Delivery:
    """What happened to one alert on one channel in this run."""

    rule: str
    window: str
    subject: str
    channel: str
    severity: str
    status: str
    attempts: int
    reason: str = ""


@dataclass(frozen=True)
class DeliveryReport:
    """The outcome of :func:`deliver_alerts`: one :class:`Delivery` per alert and channel tried.

    Attributes:
        deliveries: The alerts tried in this run, per channel.
        already_sent: Alert-channel pairs skipped because the store records them as sent.
        channels: The channels' labels, in playbook order.
    """

    deliveries: tuple[Delivery, ...] = ()
    already_sent: int = 0
    channels: tuple[str, ...] = field(default_factory=tuple)

    @property
    def sent(self) -> int:
        """Deliveries that succeeded in this run."""
        return sum(d.status == "sent" for d in self.deliveries)

    @property
    def failed(self) -> int:
        """Deliveries that failed (or were not tried after their channel failed)."""
        return sum(d.status == "failed" for d in self.deliveries)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> DeliveryReport:
        """The report of a :meth:`frame` read back (e.g. ``alerts_delivered.csv``), to print
        its :meth:`lines`; the count of alerts skipped as already sent is not in the frame.

        Examples:
            >>> import pandas as pd
            >>> frame = pd.DataFrame({"rule": ["spike"], "window": ["2026-01-11"],
            ...     "subject": ["complaints"], "channel": ["slack"], "severity": ["warning"],
            ...     "status": ["sent"], "attempts": [1], "reason": [None]})
            >>> DeliveryReport.from_frame(frame).lines()
            ['alerts to slack: 1 sent']
        """
        return cls._from_rows(frame.astype(object).where(frame.notna(), None).to_dict("records"))

    @classmethod
    def from_csv(cls, path: str | Path) -> DeliveryReport:
        """:meth:`from_frame` of a :meth:`frame` written as CSV (``alerts_delivered.csv``),
        read with the standard library: the runner prints these lines without pandas.

        An empty cell is a missing value, as pandas reads it.

        Examples:
            >>> import tempfile
            >>> path = Path(tempfile.mkdtemp()) / "alerts_delivered.csv"
            >>> _ = path.write_text("rule,window,subject,channel,severity,status,attempts,"
            ...     "reason\\nspike,2026-01-11,complaints,ops,warning,failed,3,HTTP 500\\n")
            >>> DeliveryReport.from_csv(path).lines()
            ['alerts to ops: 0 sent, 1 failed (HTTP 500 after 3 attempts)']
        """
        with open(path, newline="", encoding="utf-8") as handle:
            rows = [
                {k: (v if v != "" else None) for k, v in row.items()}
                for row in csv.DictReader(handle)
            ]
        for row in rows:
            row["attempts"] = int(float(row["attempts"])) if row.get("attempts") else 0
        return cls._from_rows(rows)

    @classmethod
    def _from_rows(cls, rows: list[dict[str, Any]]) -> DeliveryReport:
        """The report of deliveries given as dicts (missing values None)."""
        deliveries = tuple(
            Delivery(
                **{
                    **{c: row.get(c) for c in DELIVERY_COLUMNS},
                    "attempts": int(row.get("attempts") or 0),
                    "reason": row.get("reason") or "",
                }
            )
            for row in rows
        )
        return cls(deliveries, 0, tuple(dict.fromkeys(d.channel for d in deliveries)))

    def frame(self) -> pd.DataFrame:
        """The deliveries as a frame with :data:`DELIVERY_COLUMNS` (for notebook 03)."""
        import pandas as pd

        rows = [[getattr(d, c) for c in DELIVERY_COLUMNS] for d in self.deliveries]
        return pd.DataFrame(rows, columns=list(DELIVERY_COLUMNS))

    def lines(self) -> list[str]:
        """One line per channel (``slack: 2 sent``, ``email: 0 sent, 2 failed: ...``) and one
        for the alerts skipped as already sent; nothing when there was nothing to do."""
        out = []
        for label in self.channels:
            mine = [d for d in self.deliveries if d.channel == label]
            if not mine:
                continue
            sent = sum(d.status == "sent" for d in mine)
            failed = [d for d in mine if d.status == "failed"]
            line = f"alerts to {label}: {sent} sent"
            if failed:
                first = next((d for d in failed if d.attempts), failed[0])
                tries = f" after {first.attempts} attempt{'s' * (first.attempts != 1)}"
                line += f", {len(failed)} failed ({first.reason}{tries if first.attempts else ''})"
            out.append(line)
        if self.already_sent:
            out.append(f"alerts: {self.already_sent} already sent before (not sent again)")
        return out


def check_alert_environment(playbook: Playbook, environ: Mapping[str, str] | None = None) -> None:
    """Check that every ``${NAME}`` the alert channels use is set, before anything runs.

    Args:
        playbook: The client's playbook.
        environ: The variables (default ``os.environ``).

    Raises:
        PlaybookError: One line naming every missing variable and where the playbook uses it.
    """
    variables = os.environ if environ is None else environ
    missing: dict[str, list[str]] = {}
    for where, name in playbook.alerts.env_references():
        if name not in variables:
            missing.setdefault(name, []).append(where)
    if not missing:
        return
    names = list(missing)
    places = "; ".join(f"{n} in {', '.join(missing[n])}" for n in names)
    noun = "variable" if len(names) == 1 else "variables"
    them = "it" if len(names) == 1 else "them"
    raise PlaybookError(
        f"{playbook.path or playbook.client}: the environment {noun} {', '.join(names)} "
        f"{'is' if len(names) == 1 else 'are'} not set ({places}); set {them} before the run, "
        f"e.g. export {names[0]}=..."
    )
