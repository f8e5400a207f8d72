"""What a loaded definition becomes: every default written out (``normalise``), one
instrument per relationship domain (``expand_domains``), and the canonical JSON and hashes that
say whether two definitions (or two licence notes) are the same."""

from __future__ import annotations

import copy
import hashlib
import json

# Defaults written into every normalised definition, so a stored version states them outright.
DEFAULT_RELIABLE_CHANGE = {
    "critical_value": 1.96,
    "source": (
        "Jacobson, N. S., & Truax, P. (1991). Clinical significance: A statistical approach to "
        "defining meaningful change in psychotherapy research. Journal of Consulting and "
        "Clinical Psychology, 59(1), 12-19. |RCI| > 1.96 is reliable change at p < .05."
    ),
    "min_baselines_for_practice_sd": 30,
}
DEFAULT_TEXT_MAX_LENGTH = 2000


def normalise(data: dict) -> dict:
    """Write every default out, so a stored definition says everything it means."""
    definition = copy.deepcopy(data)
    definition.setdefault("instructions", None)
    for field in ("sources", "omitted", "notes", "alerts"):
        definition.setdefault(field, [])
    for item in definition["items"]:
        item.setdefault("type", "choice")
        item.setdefault("required", True)
        if item["type"] == "text":
            item.setdefault("max_length", DEFAULT_TEXT_MAX_LENGTH)
            item.pop("subscale", None)
            item.pop("reverse", None)
        else:
            item.setdefault("subscale", None)
            item.setdefault("reverse", False)
    if "scoring" in definition:
        definition["scoring"].setdefault("total", None)
        for subscale in definition["scoring"]["subscales"]:
            subscale.setdefault("missing", {"max_missing_items": 0, "prorate": False})
            for field in ("bands", "clinical_cutoff", "reliability", "sd"):
                subscale.setdefault(field, None)
        definition.setdefault("reliable_change", {})
        for key, value in DEFAULT_RELIABLE_CHANGE.items():
            definition["reliable_change"].setdefault(key, value)
    if definition.get("classification", {}).get("method") == "quadrant":
        definition["classification"].setdefault("norm", None)
    return definition


def expand_domains(definition: dict) -> list[dict]:
    """One instrument per relationship domain, or the definition itself if it has none."""
    domains = definition.get("domains")
    if not domains:
        return [definition]
    expanded = []
    for domain in domains:
        single = copy.deepcopy(definition)
        del single["domains"]
        single["family"] = definition["code"]
        single["domain"] = dict(domain)
        single["code"] = f"{definition['code']}-{domain['key']}"
        single["name"] = f"{definition['name']}: {domain['label']}"
        if "short_name" in definition:
            single["short_name"] = f"{definition['short_name']} ({domain['label']})"
        expanded.append(single)
    return expanded


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(definition: dict) -> str:
    """SHA-256 of the definition's canonical JSON: equal content, equal hash, whatever the layout."""
    return hashlib.sha256(canonical_json(definition).encode()).hexdigest()


def licence_hash(definition: dict) -> str:
    """What an owner acknowledges: the licence note (and attribution) of one definition."""
    return hashlib.sha256(canonical_json(definition["licence"]).encode()).hexdigest()


def words_language(definition: dict, page_language: str | None) -> str:
    """The language of the instrument's own words (items, answers, name, subscale labels, bands,
    citations: its file's ``language``) when a page or report in ``page_language`` must mark them
    with ``lang`` (WCAG 3.1.2, Language of Parts); "" when they are in the page's language."""
    own = definition.get("language") or "en"
    if own.split("-")[0].lower() == (page_language or "").split("-")[0].lower():
        return ""
    return own
