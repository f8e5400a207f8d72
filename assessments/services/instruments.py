"""Operations on instruments: loading the shipped library, custom uploads, licence
acknowledgement, the numbers a practice enters, and scoring with all of them.

The arithmetic lives in ``assessments/scoring/`` (pure); this module decides which definition,
rule and cited numbers apply for a practice and hands them to it.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Max
from django.utils.translation import gettext

from assessments import loader, scoring
from assessments.models.instruments import (
    CitedValueKind,
    Instrument,
    InstrumentVersion,
    LicenceAcknowledgement,
    PracticeCitedValue,
    PracticeInstrumentSettings,
)
from practice import audit
from practice.models import AuditAction, Practice

logger = logging.getLogger(__name__)

# Page paths under /instruments/ and /api/v1/instruments/, so no instrument code may take them.
RESERVED_CODES = {
    "upload",
    "build",
    "in-session",
    "assign",
    "assignments",
    "invitations",
    "alerts",
    "responses",
    "fhir",
}


class InstrumentNotUsable(PermissionDenied):
    """The practice's owner has not acknowledged the instrument's current licence note."""


# --- Storing definitions ---------------------------------------------------------------------


def _store_definition(
    instrument: Instrument, definition: dict, source_name: str
) -> tuple[InstrumentVersion, bool]:
    """Make ``definition`` the instrument's current version; a new version only if its content
    differs from every earlier one. Returns the version and whether it is new."""
    digest = loader.content_hash(definition)
    version = instrument.versions.filter(content_hash=digest).first()
    created = version is None
    if created:
        latest = instrument.versions.aggregate(latest=Max("number"))["latest"] or 0
        version = InstrumentVersion.objects.create(
            instrument=instrument,
            number=latest + 1,
            label=definition["version"],
            definition=definition,
            content_hash=digest,
            licence_hash=loader.licence_hash(definition),
            source_name=source_name,
        )
    changed = {
        "current_version": version,
        "name": definition["name"],
        "family": definition.get("family", ""),
        "is_active": True,
    }
    if any(getattr(instrument, name) != value for name, value in changed.items()):
        for name, value in changed.items():
            setattr(instrument, name, value)
        instrument.save()
    return version, created


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.new_versions or self.retired)

    def __str__(self) -> str:
        parts = [
            f"{len(self.created)} added",
            f"{len(self.new_versions)} with a new version",
            f"{len(self.unchanged)} unchanged",
        ]
        if self.retired:
            parts.append(f"{len(self.retired)} retired ({', '.join(self.retired)})")
        return "Instrument library: " + ", ".join(parts) + "."


@transaction.atomic
def sync_shipped_instruments(directory=None) -> SyncReport:
    """Load every file of the shipped library into the database. Idempotent: unchanged files
    change nothing; a changed file adds a version; a removed file retires its instrument (its
    versions stay for the responses that use them). A broken file raises
    ``loader.InstrumentFileError`` and nothing is changed."""
    report = SyncReport()
    library = loader.load_library(directory or loader.INSTRUMENTS_DIR)
    for source_name, definition in library:
        instrument = Instrument.objects.filter(
            practice__isnull=True, code=definition["code"]
        ).first()
        if instrument is None:
            instrument = Instrument.objects.create(code=definition["code"], name=definition["name"])
            _store_definition(instrument, definition, source_name)
            report.created.append(instrument.code)
            continue
        _, created = _store_definition(instrument, definition, source_name)
        (report.new_versions if created else report.unchanged).append(instrument.code)
    codes = [definition["code"] for _, definition in library]
    gone = Instrument.objects.shipped().exclude(code__in=codes)
    report.retired = sorted(gone.values_list("code", flat=True))
    gone.update(is_active=False)
    return report


def sync_after_migrate(sender, using=DEFAULT_DB_ALIAS, verbosity=1, **kwargs) -> None:
    """Connected to ``post_migrate`` in ``AssessmentsConfig.ready``: ``migrate`` (and so
    ``make migrate`` / ``make run``) leaves the library loaded and current.

    A data migration would run once, with historical models; this runs after every migrate with
    today's models, so a changed file is picked up by the next deploy. It does nothing unless
    every assessments migration is applied (for example while migrating backwards).
    """
    from django.db.migrations.loader import MigrationLoader

    if using != DEFAULT_DB_ALIAS:
        return
    migrations = MigrationLoader(connections[using], ignore_no_migrations=True)
    leaves = set(migrations.graph.leaf_nodes(sender.label))
    if not leaves or not leaves <= set(migrations.applied_migrations):
        return
    report = sync_shipped_instruments()
    if verbosity >= 1 and report.changed:
        print(f"  {report}")  # part of migrate's own output, as Django's handlers do


# --- Custom instruments ----------------------------------------------------------------------


def _require_owner(request) -> None:
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_owner:
        raise PermissionDenied(gettext("Only the practice's owners can do this."))


def upload_custom_instrument(request, practice: Practice, uploaded_file) -> list[Instrument]:
    """Validate an uploaded definition file and store it for ``practice``, unusable until an
    owner acknowledges its licence note. Uploading a file with an existing custom code adds a
    version. Raises ``loader.InstrumentFileError`` with line-precise problems."""
    _require_owner(request)
    source = uploaded_file.name.rsplit("/", 1)[-1]
    content = uploaded_file.read(loader.MAX_FILE_BYTES + 1)
    definitions = loader.load_bytes(content, source)
    return add_custom_instruments(
        request, practice, definitions, source, content.decode("utf-8-sig")
    )


def add_custom_instruments(
    request, practice: Practice, definitions: list[dict], source: str, text: str
) -> list[Instrument]:
    """Store ``definitions`` (loaded by the loader from ``text``, the file ``source``) as custom
    instruments of ``practice``, as an upload does: a code of a shipped instrument or a reserved
    one is refused (``loader.InstrumentFileError``), an existing custom code gets a new
    version, and each change is audited. Owners only."""
    _require_owner(request)
    problems = []
    shipped_codes = set(
        Instrument.objects.filter(practice__isnull=True).values_list("code", flat=True)
    )
    for definition in definitions:
        code = definition["code"]
        if code in shipped_codes or code in RESERVED_CODES:
            line = loader.line_of(text, source, ("code",))
            reason = (
                "is the code of a shipped instrument" if code in shipped_codes else "is reserved"
            )
            problems.append(
                loader.Problem(source, "code", f"{code!r} {reason}; choose another code", line)
            )
    if problems:
        raise loader.InstrumentFileError(problems)
    stored = []
    with transaction.atomic():
        for definition in definitions:
            instrument, created = Instrument.objects.get_or_create(
                practice=practice,
                code=definition["code"],
                defaults={"name": definition["name"], "uploaded_by": request.user},
            )
            _, new_version = _store_definition(instrument, definition, source)
            if created or new_version:
                action = AuditAction.CREATE if created else AuditAction.UPDATE
                audit.record(request, action, instrument, fields=["definition"])
            stored.append(instrument)
    return stored


@transaction.atomic
def discard_custom_instrument(request, instrument: Instrument) -> None:
    """Remove a custom instrument nobody has been cleared to use yet (never acknowledged)."""
    _require_owner(request)
    if not instrument.is_custom or instrument.practice_id != request.practice.pk:
        raise PermissionDenied(gettext("Only a practice's own custom instruments can be removed."))
    if instrument.acknowledgements.exists():
        raise ValidationError(gettext("This instrument has been cleared for use and is kept."))
    audit.record(request, AuditAction.DELETE, instrument)
    Instrument.objects.filter(pk=instrument.pk).update(current_version=None)
    instrument.versions.all().delete()
    instrument.delete()


# --- Licence acknowledgement -----------------------------------------------------------------


def is_acknowledged(practice: Practice | None, instrument: Instrument) -> bool:
    if practice is None:
        return False
    return LicenceAcknowledgement.objects.filter(
        practice=practice,
        instrument=instrument,
        licence_hash=instrument.current_version.licence_hash,
    ).exists()


def require_usable(practice: Practice | None, instrument: Instrument) -> None:
    if not is_acknowledged(practice, instrument):
        raise InstrumentNotUsable(
            f"{instrument.name} cannot be used yet: a practice owner must first read and "
            "acknowledge its licence note on the instrument's page."
        )


@transaction.atomic
def acknowledge_licence(request, instrument: Instrument) -> LicenceAcknowledgement:
    """Record that an owner of the current practice acknowledged the licence note of the
    instrument's current version. Idempotent."""
    _require_owner(request)
    acknowledgement, created = LicenceAcknowledgement.objects.get_or_create(
        practice=request.practice,
        instrument=instrument,
        licence_hash=instrument.current_version.licence_hash,
        defaults={"acknowledged_by": request.user, "acknowledged_by_email": request.user.email},
    )
    if created:
        audit.record(request, AuditAction.CREATE, acknowledgement, practice=request.practice)
    return acknowledgement


# --- The practice's rule and numbers ---------------------------------------------------------


def practice_settings(practice: Practice | None, instrument: Instrument):
    if practice is None:
        return None
    return PracticeInstrumentSettings.objects.filter(
        practice=practice, instrument=instrument
    ).first()


def cited_values(practice: Practice | None, instrument: Instrument) -> dict[str, dict[str, dict]]:
    """``{subscale: {kind: {"value", "source"}}}`` for the numbers the practice entered."""
    if practice is None:
        return {}
    values: dict[str, dict[str, dict]] = {}
    for row in PracticeCitedValue.objects.filter(practice=practice, instrument=instrument):
        values.setdefault(row.subscale, {})[row.kind] = {
            "value": float(row.value),
            "source": row.citation,
        }
    return values


def _classification_inputs(practice, instrument, definition) -> tuple[str | None, dict | None]:
    classification = definition.get("classification")
    if not classification or classification["method"] != "quadrant":
        return None, None
    settings_row = practice_settings(practice, instrument)
    rule = settings_row.classification_rule if settings_row else ""
    values = cited_values(practice, instrument)
    norms = {
        name: values[key][CitedValueKind.NORM_MEAN]
        for name, key in classification["dimensions"].items()
        if CitedValueKind.NORM_MEAN in values.get(key, {})
    }
    return rule or None, (norms if len(norms) == 2 else None)


def score_answers(
    practice: Practice | None,
    instrument: Instrument,
    answers,
    version: InstrumentVersion | None = None,
) -> dict:
    """Score ``answers`` on ``version`` (default: the current one) with the practice's
    classification rule. The API, the ``score`` command and response storage all call this, so
    they agree with the engine by construction. Raises ``scoring.AnswerError``."""
    version = version or instrument.current_version
    rule, norms = _classification_inputs(practice, instrument, version.definition)
    result = scoring.score(version.definition, answers, classification_rule=rule, norms=norms)
    return {"instrument": instrument.code, "version": version.number, **result}


def reliable_change_parameters(
    practice: Practice | None,
    instrument: Instrument,
    definition: dict,
    baseline_scores: Mapping[str, Sequence[float]] | None = None,
) -> dict[str, dict]:
    """Per subscale: the reliability and SD reliable change uses, or why none applies.

    ``baseline_scores`` maps subscale keys to the practice's baseline scores (each client's first
    complete administration); the responses feature supplies them.
    """
    baseline_scores = baseline_scores or {}
    values = cited_values(practice, instrument)
    settings_row = practice_settings(practice, instrument)
    min_baselines = (
        settings_row.min_baselines
        if settings_row and settings_row.min_baselines
        else definition["reliable_change"]["min_baselines_for_practice_sd"]
    )
    return {
        subscale["key"]: scoring.rci_parameters(
            subscale,
            practice_values={
                kind: values[subscale["key"]][kind]
                for kind in (CitedValueKind.RELIABILITY, CitedValueKind.SD)
                if kind in values.get(subscale["key"], {})
            },
            baseline_scores=baseline_scores.get(subscale["key"], ()),
            min_baselines=min_baselines,
        )
        for subscale in definition.get("scoring", {}).get("subscales", [])
    }


def compare_results(
    practice: Practice | None,
    instrument: Instrument,
    before: dict,
    after: dict,
    *,
    version: InstrumentVersion | None = None,
    baseline_scores: Mapping[str, Sequence[float]] | None = None,
) -> dict:
    """Reliable change, clinically significant change and earned security between two stored
    results of ``score_answers``, judged with the later administration's definition."""
    version = version or instrument.current_version
    definition = version.definition
    settings_row = practice_settings(practice, instrument)
    critical = (
        float(settings_row.rci_critical_value)
        if settings_row and settings_row.rci_critical_value
        else None
    )
    parameters = reliable_change_parameters(practice, instrument, definition, baseline_scores)
    return scoring.compare(definition, before, after, parameters, critical_value=critical)


def numbers_in_use(practice: Practice | None, instrument: Instrument, described: dict) -> dict:
    """What the instrument page shows as the numbers reliable change uses in ``practice``:
    each described subscale gains ``reliability_in_use`` and ``sd_in_use`` (``{"value",
    "source", "practice"}``, ``practice`` true when the practice entered it, else the file's
    cited number, or ``None``), and the result's ``critical_value`` and ``min_baselines`` come
    with their source too. ``described`` is what ``describe`` gave; it is changed in place."""
    values = cited_values(practice, instrument)
    for subscale in described.get("subscales", []):
        entered = values.get(subscale["key"], {})
        for kind, name in ((CitedValueKind.RELIABILITY, "reliability"), (CitedValueKind.SD, "sd")):
            if kind in entered:
                subscale[f"{name}_in_use"] = {**entered[kind], "practice": True}
            elif subscale.get(name):
                subscale[f"{name}_in_use"] = {**subscale[name], "practice": False}
            else:
                subscale[f"{name}_in_use"] = None
    settings_row = practice_settings(practice, instrument)
    file_rule = instrument.definition.get("reliable_change") or {}
    practice_critical = settings_row.rci_critical_value if settings_row else None
    practice_minimum = settings_row.min_baselines if settings_row else None
    critical = float(practice_critical) if practice_critical else file_rule.get("critical_value")
    return {
        "critical_value": {
            "value": critical,
            "practice": bool(practice_critical),
            "source": "" if practice_critical else file_rule.get("source", ""),
        },
        "min_baselines": practice_minimum or file_rule.get("min_baselines_for_practice_sd"),
        "min_baselines_practice": bool(practice_minimum),
    }


def numbers_for_form(practice: Practice, instrument: Instrument) -> dict:
    """Current settings and cited values, as initial data for the owner's settings form."""
    initial: dict = {}
    settings_row = practice_settings(practice, instrument)
    if settings_row:
        initial.update(
            classification_rule=settings_row.classification_rule,
            rci_critical_value=settings_row.rci_critical_value,
            min_baselines=settings_row.min_baselines,
            pattern_names_for_clients=settings_row.pattern_names_for_clients,
        )
    for row in PracticeCitedValue.objects.filter(practice=practice, instrument=instrument):
        initial[f"{row.subscale}__{row.kind}"] = row.value
        initial[f"{row.subscale}__{row.kind}__citation"] = row.citation
    return initial


@transaction.atomic
def save_practice_numbers(request, instrument: Instrument, data: dict) -> list[str]:
    """Store an owner's rule choice and cited numbers for one instrument. ``data`` is a settings
    form's cleaned data; an empty value removes a number. Returns the changed field names that
    judge change; when there are any, every client's reliable-change labels may move, so the
    caller asks the dashboard for a rebuild (``practice.dashboard.progress.request_practice_rebuild``).
    Whether client reports name attachment patterns (``pattern_names_for_clients``) is stored
    and audited too but moves no label. Any change saves the settings row, whose ``updated_at``
    is when the practice's numbers last changed (a removed number included)."""
    _require_owner(request)
    practice = request.practice
    changed = []
    row, _ = PracticeInstrumentSettings.objects.get_or_create(
        practice=practice, instrument=instrument
    )
    for name in (
        "classification_rule",
        "rci_critical_value",
        "min_baselines",
        "pattern_names_for_clients",
    ):
        if name in data and getattr(row, name) != data[name]:
            setattr(row, name, data[name])
            changed.append(name)
    for subscale in instrument.definition.get("scoring", {}).get("subscales", []):
        for kind in CitedValueKind.values:
            name = f"{subscale['key']}__{kind}"
            if name not in data:
                continue
            value: Decimal | None = data[name]
            citation = (data.get(f"{name}__citation") or "").strip()
            existing = PracticeCitedValue.objects.filter(
                practice=practice, instrument=instrument, subscale=subscale["key"], kind=kind
            ).first()
            if value is None:
                if existing:
                    existing.delete()
                    changed.append(name)
                continue
            if existing and existing.value == value and existing.citation == citation:
                continue
            cited = existing or PracticeCitedValue(
                practice=practice, instrument=instrument, subscale=subscale["key"], kind=kind
            )
            cited.value, cited.citation, cited.entered_by = value, citation, request.user
            cited.full_clean()
            cited.save()
            changed.append(name)
    if changed:
        row.updated_by = request.user
        row.full_clean()
        row.save()
        audit.record(request, AuditAction.UPDATE, row, practice=practice, fields=changed)
    return [name for name in changed if name != "pattern_names_for_clients"]


# --- Presenting a definition -------------------------------------------------------------------


def _show(number) -> str:
    return str(int(number)) if number == int(number) else f"{float(number):g}"


_CLINICAL_WORDS = {
    "at_or_above": "at or above",
    "above": "above",
    "at_or_below": "at or below",
    "below": "below",
}


def _formula(weighted: list[tuple[dict, Fraction]]) -> str:
    """A weighted score as a reader checks it against the paper: ``(item 1 + item 2) - (item 3
    + item 4)`` (with a true minus sign), a weight other than 1 before its item (``2 x item 5``,
    with a multiplication sign)."""
    minus, times = "\u2212", "\u00d7"

    def terms(sign: int) -> str:
        parts = [
            f"item {item['number']}"
            if abs(w) == 1
            else f"{_show(abs(w))} {times} item {item['number']}"
            for item, w in weighted
            if (w > 0) == (sign > 0)
        ]
        joined = " + ".join(parts)
        return f"({joined})" if len(parts) > 1 else joined

    added, taken = terms(1), terms(-1)
    if not taken:
        return added
    return f"{added} {minus} {taken}" if added else f"{minus} {taken}"


def describe(definition: dict) -> dict:
    """What the instrument page shows beyond the raw definition: each subscale's range, items
    and reverse-keyed items, worked out the way the engine works them out."""
    subscales = []
    labels = {}
    for subscale in definition.get("scoring", {}).get("subscales", []):
        labels[subscale["key"]] = subscale["label"]
        low, high = scoring.subscale_range(definition, subscale)
        weighted = scoring.subscale_members(definition, subscale)
        members = [item for item, _ in weighted]
        subscales.append(
            {
                **subscale,
                "range": f"{_show(low)} to {_show(high)}",
                "formula": _formula(weighted) if subscale["method"] == "weighted" else None,
                "item_numbers": [i["number"] for i in members],
                "reverse_numbers": [i["number"] for i in members if i.get("reverse")],
                "clinical_range": _CLINICAL_WORDS.get(
                    (subscale.get("clinical_cutoff") or {}).get("clinical_when")
                ),
            }
        )
    items = []
    for item in definition["items"]:
        scale = scoring.item_scale(definition, item) if item["type"] == "choice" else None
        items.append(
            {**item, "effective_scale": scale, "subscale_label": labels.get(item.get("subscale"))}
        )
    return {"subscales": subscales, "items": items}
