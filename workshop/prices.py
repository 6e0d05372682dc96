"""AWS list prices for notebook 09's cost comparison, read from one dated data file (workshop/data/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .i18n import _

PRICES_FILE = Path(__file__).resolve().parent / "data" / "prices-us-east-1.json"


class Prices:
    """`prices.usd("lambda_request")` is the price of ONE unit (per-million prices are divided out)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.region: str = document["region"]
        self.as_of: str = document["prices_as_of"]
        self.note: str = document["note"]
        self.items: dict[str, dict[str, Any]] = document["prices"]

    def usd(self, name: str) -> float:
        item = self.items[name]
        return float(item["usd"]) / float(item["per"])

    def describe(self) -> str:
        lines = [_("Prices: {region}, as of {date} ({file})").format(region=self.region, date=self.as_of,
                                                                     file=PRICES_FILE.name)]
        for name, item in self.items.items():
            amount = f"{item['usd']:.10f}".rstrip("0").rstrip(".")
            per = _("per") if item["per"] == 1 else _("per {count:,}").format(count=item["per"])
            lines.append(f"  {name:40} {amount:>12} USD {per} {item['unit']}  ← {item['source']}")
        return "\n".join(lines)


def load(path: Path = PRICES_FILE) -> Prices:
    return Prices(json.loads(path.read_text(encoding="utf-8")))


def problems(prices: Prices) -> list[str]:
    """What is missing for a reader to trust a price: a date, and for every price a positive value and a source."""
    found = [] if prices.as_of else [_("the file has no prices_as_of date")]
    for name, item in prices.items.items():
        if not str(item.get("source", "")).startswith("https://aws.amazon.com/"):
            found.append(_("{name} has no AWS pricing page as its source").format(name=name))
        if not (isinstance(item.get("usd"), (int, float)) and item["usd"] > 0 and item.get("per", 0) > 0):
            found.append(_("{name} has no positive price").format(name=name))
    return found
