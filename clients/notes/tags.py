"""The practice's list of note tags (themes and interventions): the defaults a practice starts
with, and the owners' changes to the list. Tags are archived, never deleted, so notes keep theirs.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext

from clients.models import NoteTag
from practice import audit
from practice.models import AuditAction, Membership, Practice, Role

# Seeded into each practice's tag list the first time it is needed; owners rename, archive or
# add to them. Chosen for attachment-focused work.
DEFAULT_TAGS: list[tuple[str, str]] = [
    ("Attachment history", NoteTag.Kind.THEME),
    ("Alternative support figure", NoteTag.Kind.THEME),
    ("Abandonment fears", NoteTag.Kind.THEME),
    ("Rupture and repair", NoteTag.Kind.THEME),
    ("Self-worth", NoteTag.Kind.THEME),
    ("Grief and loss", NoteTag.Kind.THEME),
    ("Relationship conflict", NoteTag.Kind.THEME),
    ("Crisis", NoteTag.Kind.THEME),
    ("Limiting belief challenged", NoteTag.Kind.INTERVENTION),
    ("Emotion regulation", NoteTag.Kind.INTERVENTION),
    ("Mentalising", NoteTag.Kind.INTERVENTION),
    ("Imagery rescripting", NoteTag.Kind.INTERVENTION),
    ("Psychoeducation", NoteTag.Kind.INTERVENTION),
    ("Safety planning", NoteTag.Kind.INTERVENTION),
    ("Homework reviewed", NoteTag.Kind.INTERVENTION),
]


def ensure_default_tags(practice: Practice) -> None:
    """Give a practice the default tag list the first time it needs one.

    Tags are archived, never deleted, so a practice without any tag row has never been seeded.
    """
    if NoteTag.objects.filter(practice=practice).exists():
        return
    NoteTag.objects.bulk_create(
        [NoteTag(practice=practice, name=name, kind=kind) for name, kind in DEFAULT_TAGS],
        ignore_conflicts=True,  # two first requests at once: the second adds nothing
    )


def practice_tags(practice: Practice, *, include_archived: bool = False):
    """The practice's tags, seeding the defaults first if it has none yet."""
    ensure_default_tags(practice)
    tags = NoteTag.objects.filter(practice=practice)
    return tags if include_archived else tags.filter(is_active=True)


def _require_owner(actor, practice: Practice) -> None:
    is_owner = (
        Membership.objects.active().filter(user=actor, practice=practice, role=Role.OWNER).exists()
    )
    if not is_owner:
        raise PermissionDenied(gettext("Only the practice's owners can change the tag list."))


def _clean_tag(practice: Practice, name: str, kind: str, exclude: NoteTag | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": gettext("Give the tag a name.")})
    if len(name) > NoteTag._meta.get_field("name").max_length:
        raise ValidationError({"name": gettext("Keep tag names to 60 characters or fewer.")})
    if kind not in NoteTag.Kind.values:
        raise ValidationError({"kind": gettext("Choose theme or intervention.")})
    taken = NoteTag.objects.filter(practice=practice, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"name": gettext("The practice already has a tag with this name.")})
    return name


@transaction.atomic
def add_tag(actor, practice: Practice, name: str, kind: str, *, request=None) -> NoteTag:
    """Add a tag to the practice's list (owners only)."""
    _require_owner(actor, practice)
    ensure_default_tags(practice)
    tag = NoteTag.objects.create(
        practice=practice, name=_clean_tag(practice, name, kind), kind=kind
    )
    audit.record(request, AuditAction.CREATE, tag, fields=["name", "kind"], actor=actor)
    return tag


@transaction.atomic
def change_tag(
    actor, tag: NoteTag, *, name: str, kind: str, is_active: bool, request=None
) -> NoteTag:
    """Rename, re-kind, archive or restore a tag (owners only). Notes keep their tags."""
    _require_owner(actor, tag.practice)
    new = {
        "name": _clean_tag(tag.practice, name, kind, exclude=tag),
        "kind": kind,
        "is_active": is_active,
    }
    changed = [key for key, value in new.items() if getattr(tag, key) != value]
    if changed:
        for key in changed:
            setattr(tag, key, new[key])
        tag.save(update_fields=changed)
        audit.record(request, AuditAction.UPDATE, tag, fields=changed, actor=actor)
    return tag
