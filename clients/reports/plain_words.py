"""Plain-language texts for the client-friendly report (``clients.reports.sections`` reads them).

Attune's own wording, written for Attune by the project: not copied or adapted from any
publication, and free to use with Attune under its licence. They describe, never diagnose:
"can", not "will"; no blame; a pattern is a way of relating that can change.

The client reads these texts, so each is marked for translation (issue 15) and written in the
language active when the report is laid out, the client's (``content.report_language``). They
were a YAML file until then; ``makemessages`` reads only Python and templates, so they live here
as lazy translations, one whole sentence or paragraph each, and a translator sees them with the
rest of the report.

- ``dimensions``: keyed by the classification's dimension names (anxiety, avoidance), whatever
  the instrument calls its subscales.
- ``areas``: one per attachment pattern (the quadrant keys of ``assessments.scoring.STYLES``):
  where the answers sit, in terms of the two dimensions, and what that pattern can be like.
  ``chart`` labels the area on the client's anxiety x avoidance chart.
- ``split``: how the middle line of the chart was drawn, by the classification rule used.
- ``moves``: how the answers moved on the chart between the first and the latest
  questionnaire, a short label (for "At a glance") and a sentence. Moving into the secure area
  while a dimension rose reliably has one sentence per dimension that rose, so a translation
  can make its verb agree.
- ``not_judged``: why a change could not be judged, for the client.
"""

from django.utils.translation import gettext_lazy as _

PLAIN_WORDS = {
    "dimensions": {
        "anxiety": _(
            "Anxiety here means worry about close relationships: how much you fear that people "
            "who matter to you may not be there for you, may lose interest or may leave."
        ),
        "avoidance": _(
            "Avoidance here means discomfort with closeness: how much you hold back from leaning "
            "on others, sharing what you feel or letting people get close."
        ),
    },
    "lower_is_better": _(
        "On both, lower scores mean more ease in close relationships. On the chart, the shaded "
        "corner where both are lower is the secure area."
    ),
    "split": {
        "midpoint": _("the middle of the questionnaire's scale"),
        "norm": _("the average scores your practice compares with"),
    },
    "areas": {
        "secure": {
            "chart": _("Lower on both"),
            "where": _("low on both anxiety and avoidance"),
            "feel": _(
                "Answers in this area usually mean that being close to people feels fairly "
                "safe: you can ask for support when you need it and also feel all right on your "
                "own."
            ),
            "common": _(
                "Many people answer in this area, and it can still shift when life gets hard, "
                "such as after a loss, a move or a break-up. Noticing that is useful, not a step "
                "back."
            ),
            "help": _(
                "Relationships that feel steady, with a partner, friends, family, a mentor or "
                "your therapist, can help keep this ease going, and so can talking through hard "
                "times as they come."
            ),
        },
        "anxious-preoccupied": {
            "chart": _("Higher anxiety"),
            "where": _("higher on anxiety and lower on avoidance"),
            "feel": _(
                "Answers in this area often go with wanting to be close while worrying about "
                "whether others feel the same: noticing small signs of distance, needing "
                "reassurance, or finding it hard to settle when someone does not reply."
            ),
            "common": _(
                "This is a common way of relating, and it often made sense at some point in "
                "life. It can change: many people find their worry eases over time."
            ),
            "help": _(
                "Therapy can help you notice the worry as it starts and find ways to calm it. "
                "Relationships that respond reliably, with a partner, a friend, a mentor or your "
                "therapist, can show over and over that closeness can last, and that experience "
                "can slowly change what you expect."
            ),
        },
        "dismissive-avoidant": {
            "chart": _("Higher avoidance"),
            "where": _("lower on anxiety and higher on avoidance"),
            "feel": _(
                "Answers in this area often go with valuing independence and preferring to "
                "handle things alone: leaning on others or talking about feelings can feel "
                "uncomfortable or unnecessary."
            ),
            "common": _(
                "This is a common way of relating, and it often grew from good reasons, such as "
                "having to cope alone early on. It can change, at a pace that feels right to you."
            ),
            "help": _(
                "Therapy can be a place to try letting someone help in small, safe steps. A "
                "partner, friend, mentor or therapist who respects your need for space and is "
                "there when you reach out can make closeness feel less risky over time."
            ),
        },
        "fearful-avoidant": {
            "chart": _("Higher on both"),
            "where": _("higher on both anxiety and avoidance"),
            "feel": _(
                "Answers in this area often go with wanting closeness and fearing it at the same "
                "time: moving towards people, then pulling back when it starts to feel unsafe, "
                "which can be confusing and tiring."
            ),
            "common": _(
                "Many people relate this way, often after relationships that were hard or "
                "unpredictable. It can change: people who start here can become more secure."
            ),
            "help": _(
                "Therapy can offer a steady relationship in which it is safe to notice both the "
                "wish to be close and the wish to pull away. Trusted people, such as a partner, "
                "a friend, a mentor or your therapist, who stay kind and consistent can help that "
                "sense of safety grow."
            ),
        },
    },
    "earned_security": _(
        "Attachment patterns are not fixed. People who started out less secure can become more "
        "secure later in life, often through relationships that feel safe and dependable: with a "
        'partner, a friend, a mentor, or a therapist. This is sometimes called "earned security".'
    ),
    "moves": {
        "moved_reliably": {
            "label": _("Moved into the secure area"),
            "text": _(
                "Your answers have moved into the secure area of the chart, by more than "
                "everyday ups and downs would explain."
            ),
        },
        "moved_not_judged": {
            "label": _("Moved into the secure area"),
            "text": _(
                "Your answers have moved into the secure area of the chart. Whether this is "
                "more than everyday ups and downs cannot be judged yet: the numbers needed for "
                "that have not been entered for this questionnaire."
            ),
        },
        "moved_within_error": {
            "label": _("Moved into the secure area"),
            "text": _(
                "Your answers have moved into the secure area of the chart. The move is still "
                "within everyday ups and downs, so it is too early to call it a settled change."
            ),
        },
        "moved_with_worse_anxiety": {
            "label": _("Moved into the secure area"),
            "text": _(
                "Your answers have moved into the secure area of the chart, although anxiety "
                "rose by more than everyday ups and downs."
            ),
        },
        "moved_with_worse_avoidance": {
            "label": _("Moved into the secure area"),
            "text": _(
                "Your answers have moved into the secure area of the chart, although avoidance "
                "rose by more than everyday ups and downs."
            ),
        },
        "moved_with_worse_both": {
            "label": _("Moved into the secure area"),
            "text": _(
                "Your answers have moved into the secure area of the chart, although anxiety "
                "and avoidance rose by more than everyday ups and downs."
            ),
        },
        "secure_throughout": {
            "label": _("In the secure area throughout"),
            "text": _(
                "Your answers were in the secure area of the chart at the start and still are."
            ),
        },
        "left_secure": {
            "label": _("Outside the secure area for now"),
            "text": _(
                "Your answers started in the secure area of the chart and are outside it for "
                "now. Scores move with what is happening in life; this is something to talk "
                "through with your clinician."
            ),
        },
        "not_yet": {
            "label": _("Not yet in the secure area"),
            "text": _("Your answers have not (yet) moved into the secure area of the chart."),
        },
    },
    "not_judged": {
        "no_numbers": _(
            "not judged yet, because the numbers needed to tell real change from everyday ups "
            "and downs have not been entered for this questionnaire"
        ),
        "incomplete": _("not compared, because one of the two sets of answers was incomplete"),
    },
}
