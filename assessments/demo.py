"""Months of fictional questionnaire history for the demo practice (``manage.py seed_demo``).

Everything goes through the same services a clinician and a client use, with their clocks set
back: ``assign()``, the scheduler's ``dispatch_client()``, ``save_answers()``, ``submit_packet()``,
``send_reminders()`` and ``expire_packets()``. So responses, summaries, alerts and audit rows are
exactly what real use would have left; the dashboard's rows, which the services leave to their
callers, come from seed_demo's rebuild at its end. Every client and answer is invented.

Each active demo client gets ECR-R, PHQ-9 and GAD-7 every four weeks for about six months, with
scores that follow their therapy arc (``DEMO_ARCS`` in seed_demo, shared with the session notes):
- toward security: anxiety and avoidance fall; the first such client (Ada) reaches the secure
  quadrant with reliable improvement (earned security), the others get closer to it;
- slow progress: small improvements; crisis and repair: worse at the crisis, then better;
- stuck: no real change.
PHQ-9 and GAD-7 improve for most. A few links are still open (one half answered), two expired
unanswered, and one client's crisis PHQ-9 raised an item 9 alert that is still open. Some clients
answered the limiting-beliefs and support-figures worksheets (``WORKSHEET_ANSWERS``, fictional).

The demo practice also gets clearly labelled illustrative reliability and SD values, so reliable
change and earned security can be shown: they are not from a publication.
"""

import datetime
import random
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from assessments import schedules, services
from assessments.models import (
    Instrument,
    Occasion,
    Packet,
    PracticeCitedValue,
)
from assessments.services import assignments, packets
from practice.models import OutboundEmail

WEEKS_BETWEEN = 4
OCCASIONS = 7  # about six months
DEMO_CITATION = (
    "Illustrative value for the fictional demo practice (seed_demo), not from a publication. "
    "Enter a cited value before any clinical use."
)
# (instrument, subscale, kind, value): illustrative only, see DEMO_CITATION.
DEMO_VALUES = [
    ("ecr-r", "anxiety", "reliability", "0.85"),
    ("ecr-r", "avoidance", "reliability", "0.85"),
    ("ecr-r", "anxiety", "sd", "1.1"),
    ("ecr-r", "avoidance", "sd", "1.1"),
    ("phq-9", "total", "sd", "5.0"),
    ("gad-7", "total", "sd", "4.5"),
]


@dataclass(frozen=True)
class Course:
    """Where a client starts and ends on each measure; occasions in between are interpolated,
    with a bump at ``crisis_at`` (an occasion index) for the crisis arc."""

    anxiety: tuple[float, float]
    avoidance: tuple[float, float]
    phq: tuple[int, int]
    gad: tuple[int, int]
    crisis_at: int | None = None


COURSES = {
    "earned": Course((5.6, 2.7), (4.9, 2.5), (15, 4), (13, 4)),
    "toward_security": Course((5.4, 4.3), (4.6, 3.4), (13, 6), (12, 5)),
    "slow_progress": Course((5.1, 4.5), (3.3, 3.0), (12, 8), (11, 8)),
    "crisis_and_repair": Course((5.0, 4.4), (5.0, 4.4), (13, 8), (12, 7), crisis_at=3),
    "stuck": Course((4.8, 4.8), (5.3, 5.2), (11, 11), (10, 11)),
}


def _jittered(course: Course, rng) -> Course:
    shift = rng.uniform(-0.3, 0.3)
    total = rng.choice((-2, -1, 0, 1, 2))
    return Course(
        anxiety=(course.anxiety[0] + shift, course.anxiety[1] + shift),
        avoidance=(course.avoidance[0] - shift, course.avoidance[1] - shift / 2),
        phq=(course.phq[0] + total, course.phq[1] + total),
        gad=(course.gad[0] - total, course.gad[1] - total // 2),
        crisis_at=course.crisis_at,
    )


def _value_at(span, index, count, crisis_at=None, bump=0.0):
    start, end = span
    value = start + (end - start) * index / max(count - 1, 1)
    if crisis_at is not None and index == crisis_at:
        value += bump
    return value


def _spread(total: int, slots: int, low: int, high: int, rng) -> list[int]:
    """``slots`` whole answers from ``low`` to ``high`` adding up to ``total``, shuffled."""
    total = max(low * slots, min(high * slots, total))
    base, extra = divmod(total - low * slots, slots)
    values = [low + base + (1 if i < extra else 0) for i in range(slots)]
    rng.shuffle(values)
    return values


def _ecr_answers(definition, anxiety: float, avoidance: float, rng) -> dict[int, int]:
    items = definition["items"]
    answers = {}
    for subscale, mean in (("anxiety", anxiety), ("avoidance", avoidance)):
        members = [item for item in items if item.get("subscale") == subscale]
        keyed = _spread(round(mean * len(members)), len(members), 1, 7, rng)
        for item, value in zip(members, keyed, strict=True):
            answers[item["number"]] = 8 - value if item.get("reverse") else value
    return answers


def _sum_answers(definition, total: int, rng, item9: int = 0) -> dict[int, int]:
    """Answers to a sum-scored 0-3 questionnaire (PHQ-9, GAD-7) adding up to ``total``; the
    last scored item of the PHQ-9 (item 9) is ``item9``; the functional question is answered."""
    scored = [i for i in definition["items"] if i.get("subscale")]
    alert_item = 9 if definition["code"] == "phq-9" else None
    free = [i for i in scored if i["number"] != alert_item]
    answers = dict(
        zip(
            (i["number"] for i in free),
            _spread(total - item9, len(free), 0, 3, rng),
            strict=True,
        )
    )
    if alert_item:
        answers[alert_item] = item9
    for item in definition["items"]:
        if not item.get("subscale") and item["type"] == "choice":
            answers[item["number"]] = min(3, total // 7)
    return answers


def _enter_demo_values(practice, owner) -> None:
    for code, subscale, kind, value in DEMO_VALUES:
        instrument = Instrument.objects.get(code=code, practice__isnull=True)
        PracticeCitedValue.objects.get_or_create(
            practice=practice,
            instrument=instrument,
            subscale=subscale,
            kind=kind,
            defaults={"value": value, "citation": DEMO_CITATION, "entered_by": owner},
        )


# Fictional worksheet answers, the same for every demo client.
WORKSHEET_ANSWERS = {
    "limiting-beliefs": {
        1: "I tell myself that if people see how much I need them, they will leave.",
        2: "My sister has stayed close through every hard year, needs and all.",
        3: "Some people leave, and the ones who matter have stayed when I asked.",
        4: "I have to sort everything out on my own.",
        5: "When I asked a colleague for help last month, the work went better and she was glad.",
    },
    "support-figures": {
        1: "My grandmother, and Sam, a friend from the running club.",
        2: "Gran listens without rushing to fix things; with Sam I can laugh again.",
        3: "Gran on the phone most evenings; Sam by message, usually after work.",
        4: "To just listen for ten minutes, or to go for a walk together.",
        5: "I worry I will be a burden. Saying 'I only need ten minutes' could make it easier.",
    },
}


def _answer(packet, course: Course, index: int, count: int, rng, *, now, item9=0, partial=False):
    for item in packets.packet_items(packet):
        definition = item.definition
        code = definition["code"]
        if code == "ecr-r":
            answers = _ecr_answers(
                definition,
                _value_at(course.anxiety, index, count, course.crisis_at, 0.8),
                _value_at(course.avoidance, index, count, course.crisis_at, 0.5),
                rng,
            )
        elif code in ("phq-9", "gad-7"):
            span = course.phq if code == "phq-9" else course.gad
            total = round(
                _value_at(span, index, count, course.crisis_at, 7) + rng.choice((-1, 0, 1))
            )
            answers = _sum_answers(definition, max(0, min(total, 21)), rng, item9=item9)
        else:
            answers = WORKSHEET_ANSWERS[code]
        if partial:
            answers = dict(list(answers.items())[: len(answers) // 2])
        services.save_answers(packet, item, answers, now=now)
        if partial:
            return


def seed_questionnaires(practice, owner, arcs: list[str], stdout=None) -> int:
    """Give the practice's active clients months of questionnaire history (once: does nothing if
    the practice already has any packet). Returns the number of packets made."""
    if not settings.DEBUG:
        raise RuntimeError("Demo questionnaires are only made with DEBUG on.")
    if Packet.objects.filter(practice=practice).exists():
        return 0
    real_now = timezone.now()
    rng = random.Random(11)  # noqa: S311 - reproducible demo data, not security
    _enter_demo_values(practice, owner)
    measures = list(Instrument.objects.shipped().filter(code__in=["ecr-r", "phq-9", "gad-7"]))
    worksheets = list(
        Instrument.objects.shipped().filter(code__in=["limiting-beliefs", "support-figures"])
    )
    clients = practice.clients.filter(status="active").select_related(
        "practice", "primary_clinician"
    )
    earned_given = alert_given = False
    pending = {1, 6, 11}  # positions whose latest link is still open
    expired = {4, 9}  # positions whose second-to-last link expired unanswered
    for client in clients.order_by("external_reference"):
        position = int(client.external_reference.split("-")[1]) - 1001
        arc = arcs[position % len(arcs)]
        course_key = arc
        if arc == "toward_security" and not earned_given:
            course_key, earned_given = "earned", True
        course = COURSES[course_key]
        if course_key != "earned":  # each client a little different; Ada's path stays exact
            course = _jittered(course, rng)
        start_day = (
            real_now.date()
            - datetime.timedelta(weeks=WEEKS_BETWEEN * (OCCASIONS - 1))
            - datetime.timedelta(days=1 + position % 6)  # the latest sent 1-6 days ago
        )
        assigned_at = schedules.local_to_utc(
            start_day - datetime.timedelta(days=1), datetime.time(17), client.effective_time_zone
        )
        services.assign(
            client.primary_clinician,
            client,
            measures,
            services.Plan(
                schedule="every_n_weeks",
                interval_weeks=WEEKS_BETWEEN,
                start_date=start_day,
                send_time=datetime.time(8 + position % 4, 0),
            ),
            now=assigned_at,
        )
        for index in range(OCCASIONS):
            occasion = (
                Occasion.objects.filter(client=client, status=Occasion.Status.SCHEDULED)
                .order_by("due_at")
                .first()
            )
            if occasion is None or occasion.due_at > real_now:
                break
            sent = occasion.due_at
            result = assignments.dispatch_client(client.pk, [occasion.pk], sent)
            packet = result.packet
            if packet is None:
                continue
            last = (
                index == OCCASIONS - 1
                or occasion.due_at + datetime.timedelta(weeks=WEEKS_BETWEEN) > real_now
            )
            if position in expired and index == OCCASIONS - 2:
                packets.send_reminders(sent + datetime.timedelta(days=2, hours=1))
                packets.send_reminders(sent + datetime.timedelta(days=5, hours=1))
                packets.expire_packets(sent + datetime.timedelta(days=7, minutes=5))
                continue
            if last and position in pending:
                if position == 6:  # started, half answered
                    packets.start_visit(packet, now=sent + datetime.timedelta(hours=3))
                    _answer(
                        packet,
                        course,
                        index,
                        OCCASIONS,
                        rng,
                        now=sent + datetime.timedelta(hours=3),
                        partial=True,
                    )
                continue
            delay = datetime.timedelta(days=rng.choice((0, 1, 1, 3)), hours=rng.randint(1, 9))
            answered = sent + delay
            if answered > real_now:
                continue
            if delay >= datetime.timedelta(days=2):
                packets.send_reminders(answered)
            packets.start_visit(packet, now=answered)
            crisis_alert = (
                arc == "crisis_and_repair" and not alert_given and index == course.crisis_at
            )
            _answer(
                packet, course, index, OCCASIONS, rng, now=answered, item9=1 if crisis_alert else 0
            )
            services.submit_packet(packet, now=answered + datetime.timedelta(minutes=12))
            alert_given = alert_given or crisis_alert
        if arc == "toward_security":
            _worksheet(client, worksheets, course, rng, real_now)
    packets.expire_packets(real_now)
    _deliver_history(practice, real_now)
    return Packet.objects.filter(practice=practice).count()


def _worksheet(client, worksheets, course, rng, real_now) -> None:
    """The limiting-beliefs and support-figures worksheets, sent in one link and answered about
    two months ago."""
    moment = real_now - datetime.timedelta(weeks=9, days=client.pk.int % 5)
    assignment = services.assign(
        client.primary_clinician, client, worksheets, services.Plan(send_now=True), now=moment
    )
    packet = assignment.occasions.get().packet
    packets.start_visit(packet, now=moment + datetime.timedelta(hours=20))
    _answer(packet, course, 0, 1, rng, now=moment + datetime.timedelta(hours=20))
    services.submit_packet(packet, now=moment + datetime.timedelta(hours=21))


def _deliver_history(practice, real_now) -> None:
    """Past e-mails were "delivered" when they were sent; only the open links' latest e-mails
    stay queued, so a running worker puts them in the development outbox to try the form."""
    keep = set(
        Packet.objects.filter(practice=practice, status__in=Packet.OPEN_STATUSES).values_list(
            "last_email_id", flat=True
        )
    )
    history = OutboundEmail.objects.filter(practice=practice, status="queued").exclude(pk__in=keep)
    history.update(status="sent", sent_at=real_now, text_body="", html_body="")
