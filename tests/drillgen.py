"""Write small valid drill files for tests, so engine tests do not depend on shipped content."""

from __future__ import annotations

from pathlib import Path

import yaml

SNIPPET = """def charge(order, gateway, db):
    # at-least-once delivery may call this twice
    amount = order.total
    receipt = gateway.charge(order.customer_id, amount)
    db.insert("payments", order_id=order.id, amount=amount)
    db.commit()
    return receipt
# eight lines, as a drill needs
"""
VOCAB = {"wrong-a": "Picks the first trap.", "wrong-b": "Picks the second trap."}


def drill_dict(drill_id: str, tier: str = "junior", *, next_id: str | None = None, options: int = 4) -> dict:
    opts = [{"text": f"{drill_id} best fix", "best": True, "why": "It fixes the defect."}]
    for i in range(1, options):
        opts.append({"text": f"{drill_id} trap {i}", "why": f"Trap {i} leaves the defect.",
                     "misconception": "wrong-a" if i % 2 else "wrong-b"})
    data = {
        "id": drill_id, "title": f"Drill {drill_id}", "tier": tier, "topics": ["idempotency"], "minutes": 2,
        "takeaway": "A one-line takeaway.", "snippet": {"language": "python", "code": SNIPPET},
        "question": "What fails?", "options": opts, "recap": "The recap.",
        "sources": [{"title": "Saga pattern", "url": "https://microservices.io/patterns/data/saga.html"},
                    {"title": "Sagas (1987)", "url": "https://www.cs.cornell.edu/andru/cs711/2002fa/reading/sagas.pdf"}],
    }
    if next_id:
        data["next"] = next_id
    return data


def write_pack(folder: Path, tiers: dict[str, int], *, vocab: bool = True) -> list[str]:
    """Write `tiers` = {"junior": 3, ...} drills into `folder`; returns their ids."""
    folder.mkdir(parents=True, exist_ok=True)
    if vocab:
        (folder / "misconceptions.yaml").write_text(yaml.safe_dump(VOCAB))
    ids = []
    for tier, count in tiers.items():
        for i in range(count):
            drill_id = f"{tier}-{i + 1}"
            (folder / f"{drill_id}.yaml").write_text(yaml.safe_dump(drill_dict(drill_id, tier), sort_keys=False))
            ids.append(drill_id)
    return ids
