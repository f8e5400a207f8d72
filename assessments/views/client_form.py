"""The client's questionnaire pages at ``/q/<token>/``. No login: the link is the key.

- GET and HEAD only show (mail scanners fetch every link): the landing page, a page of
  questions. Starting the visit, saving a page and submitting are POSTs.
- Every bad link (malformed, unknown, replaced, expired, revoked, completed) gets the same
  friendly 404 page, which says nothing about the client or whether the link ever existed, after
  the same work (one lookup by the token's hash, see ``find_packet``), so neither the answer nor
  its timing tells an unknown link from a dead one.
- Only failed lookups are counted, per client address, in the cache; past the limit the
  address gets a 429 page for further bad links until the window passes. A working link is
  looked up first and always served, so guesses from a shared address (a clinic's Wi-Fi, a
  carrier's NAT) never lock a client out of their own link. The 256-bit token is what makes
  guessing hopeless; the limit only tells a scanner to stop. With the cache down it stops
  counting rather than failing the request.
- Every page sends ``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store``, loads
  nothing but our own stylesheets and sets no cookie.
- No CSRF token: with ``no-referrer`` browsers send ``Origin: null`` on these POSTs, which
  Django's CSRF check refuses, and there is nothing to protect. The link's secret token is the
  only credential; a forged cross-site POST would need it, and no session or cookie is involved.

Every page comes in the client's language, or the one they picked on the page
(``views.client_language``: a ``?lang=`` flag carried from page to page).

A submission that raised a critical alert (PHQ-9 item 9 above 0) is answered with a redirect to
the crisis support page (``support``), POST then GET, so reloading it shows the resources again
rather than posting the answers twice. That page needs the link's token and a signed mark that
only such a submission hands out, and lasts ``SUPPORT_MAX_AGE``: someone opening the link later
learns nothing of an alert (the used link is the friendly 404, as every dead link).

The pages themselves (``serve_page``) are also served on the clinician's device in session
(``views.kiosk``), behind the session's login and CSRF instead of a token: a ``Flow`` says where
each serving leads.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django.core import signing
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from assessments.forms import QuestionnairePageForm
from assessments.models import Packet
from assessments.services import alerts as alert_service
from assessments.services import packets as packet_service
from assessments.services import responses as response_service
from assessments.views.client_language import (
    in_client_language,
    language_query,
    speaks_chosen_language,
)
from practice import crisis
from practice.audit import client_ip
from practice.dashboard import progress
from practice.models import Practice

logger = logging.getLogger(__name__)

FAILED_LOOKUPS_ALLOWED = 20
"""Failed link lookups one address may make per window before it is refused for a while."""
FAILED_LOOKUP_WINDOW = 15 * 60  # seconds
ACTIONS = {"next", "back", "save", "submit"}
THANKS_SALT = "attune.questionnaire.thanks"
THANKS_MAX_AGE = 24 * 60 * 60  # seconds the thank-you page keeps naming the practice
SUPPORT_SALT = "attune.questionnaire.support"
SUPPORT_MAX_AGE = 24 * 60 * 60  # seconds the crisis support page can be reopened


def token_page(view):
    """Headers every token page carries, whatever it answers."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def _limit_key(request) -> str:
    return f"attune:questionnaire-link-failures:{client_ip(request) or 'unknown'}"


def _count_failure(request) -> int:
    """Count one failed lookup from the request's address; the address's failures so far in the
    window, or 0 when the cache cannot say (the limit lapses while the cache is down)."""
    key = _limit_key(request)
    try:
        cache.add(key, 0, FAILED_LOOKUP_WINDOW)
        try:
            return cache.incr(key) or 0
        except ValueError:  # expired between add and incr
            cache.set(key, 1, FAILED_LOOKUP_WINDOW)
            return 1
    except Exception as exc:  # any cache backend's outage: degrade, never a 500 for a client
        logger.warning("questionnaire link limiter: cache unavailable (%s)", type(exc).__name__)
        return 0


def _refused(request):
    response = render(request, "assessments/client/rate_limited.html", status=429)
    response["Retry-After"] = str(FAILED_LOOKUP_WINDOW)
    return response


def _invalid(request):
    """The one answer for every link that does not work."""
    return render(request, "assessments/client/invalid.html", status=404)


def _packet(request, token) -> tuple[Packet | None, object]:
    """The packet behind ``token``, or the response to send instead: 404, or 429 once the
    address has failed too often. A working link is served whatever the address did before."""
    packet = packet_service.find_packet(token)
    if packet is not None:
        return packet, None
    return None, _failed_lookup(request)


def _failed_lookup(request):
    """404 for a link that does not work, or 429 once the address has failed too often."""
    if _count_failure(request) > FAILED_LOOKUPS_ALLOWED:
        return _refused(request)
    return _invalid(request)


def _context(packet: Packet, **extra) -> dict:
    client = packet.client
    return {
        "packet": packet,
        "practice": packet.practice,
        "clinician_name": client.primary_clinician.get_full_name(),
        "expires_on": packet_service.local_day_text(packet.expires_at, client.effective_time_zone),
        **extra,
    }


@csrf_exempt
@token_page
@speaks_chosen_language
@require_http_methods(["GET", "HEAD", "POST"])
def landing(request, token):
    """What the e-mail links to. Shows who asks and how much; the button POSTs to start."""
    packet, refusal = _packet(request, token)
    if refusal:
        return refusal
    return _landing(request, packet, token)


@in_client_language
def _landing(request, packet: Packet, token):
    items = packet_service.packet_items(packet)
    pages = packet_service.form_pages(items)
    if request.method == "POST":
        packet_service.start_visit(packet, request=request)
        step = packet_service.resume_step(pages)
        return redirect(reverse("questionnaire:page", args=[token, step]) + language_query(request))
    return render(
        request,
        "assessments/client/landing.html",
        _context(
            packet,
            token=token,
            lang_query=language_query(request),
            questionnaires=len(items),
            questions=sum(len(item.definition["items"]) for item in items),
            started=packet.status != Packet.Status.SENT,
        ),
    )


def _problem_links(page_url, pages, problems) -> list[dict]:
    """Each submission problem as a message and a link to the page with the question."""
    links = []
    for problem in problems:
        target = next(
            (
                page
                for page in pages
                if page.item.position == problem.position
                and (
                    problem.number is None
                    or any(q["number"] == problem.number for q in page.questions)
                )
            ),
            pages[0],
        )
        anchor = f"#q-{problem.number}" if problem.number else ""
        links.append(
            {
                "message": _("Questionnaire %(number)s: %(problem)s")
                % {"number": problem.position, "problem": problem.message},
                "href": page_url(target.step) + anchor,
            }
        )
    return links


@dataclass(frozen=True)
class Flow:
    """Where a packet's pages lead: answered from an e-mailed link (``link_flow``) or on the
    clinician's device in session (``assessments.views.kiosk``). The pages, their checks and
    the submission are the same."""

    page_url: Callable[[int], str]
    start: Callable[[], object]  # the response for before the first page
    saved: Callable[[object, Packet], object]  # after "save and finish later"
    done: Callable[[object, Packet], object]  # after a submission that raised no crisis
    crisis: Callable[[object, Packet], object]  # after one that did: to the support page
    context: dict = field(default_factory=dict)  # extra for the page template


def link_flow(token, query: str = "") -> Flow:
    """``query``: the page's ``?lang=`` flag (``language_query``), kept on every address."""

    def thanks(request, packet):
        # The thank-you page knows no client: it is told the language the pages were in.
        practice_mark = signing.dumps(packet.practice_id, salt=THANKS_SALT)
        language = translation.get_language()
        return redirect(f"{reverse('questionnaire:thanks')}?from={practice_mark}&lang={language}")

    return Flow(
        page_url=lambda step: reverse("questionnaire:page", args=[token, step]) + query,
        start=lambda: redirect(reverse("questionnaire:landing", args=[token]) + query),
        saved=lambda request, packet: render(
            request,
            "assessments/client/saved.html",
            _context(packet, token=token, lang_query=query),
        ),
        done=thanks,
        crisis=lambda request, packet: redirect(
            f"{reverse('questionnaire:support', args=[token])}?mark={support_mark(packet)}"
            + query.replace("?", "&")  # the language the client picked, if they did
        ),
        context={"token": token},
    )


def _render_page(request, packet, flow: Flow, pages, page, form, *, problems=(), status=200):
    definition = page.item.definition
    errors = [
        {"message": row["error"], "href": f"#{row['first_id']}"}
        for row in form.rows()
        if row["error"]
    ]
    errors += _problem_links(flow.page_url, pages, problems)
    return render(
        request,
        "assessments/client/page.html",
        _context(
            packet,
            **flow.context,
            form_action=flow.page_url(page.step),
            page=page,
            steps=len(pages),
            rows=form.rows(),
            errors=errors,
            title=definition.get("name", page.item.instrument.name),
            instructions=definition.get("instructions") if page.page == 1 else None,
            # No instrument ships a validated translation: its words stay in their own language,
            # marked with it where it is not the page's (WCAG 3.1.2).
            words_language=form.words_language,
            in_english=form.words_language.split("-")[0] == "en",
            scale_keys=form.scale_keys,
            attribution=(definition.get("licence") or {}).get("attribution"),
        ),
        status=status,
    )


def _submit(request, packet: Packet) -> list:
    """Submit the packet, then refresh the client's dashboard row (the dashboard sits above the
    responses, so the page makes that call, in the request's transaction)."""
    responses = response_service.submit_packet(packet, request=request)
    progress.refresh_client_progress(packet.client_id)
    return responses


def support_mark(packet: Packet) -> str:
    """The signed, dated mark that opens ``packet``'s crisis support page: handed out only by a
    submission that raised a critical alert."""
    return signing.dumps(packet.pk, salt=SUPPORT_SALT)


def marked_packet_id(mark: str) -> int | None:
    """The packet id a support mark names, or None when it is missing, forged or too old."""
    try:
        packet_id = signing.loads(mark, salt=SUPPORT_SALT, max_age=SUPPORT_MAX_AGE)
    except signing.BadSignature:
        return None
    return packet_id if type(packet_id) is int else None


@in_client_language
def render_crisis(request, packet: Packet, **context):
    """The crisis support page: the practice's crisis contacts and chosen national lines for the
    client's country, never the answers."""
    resources = crisis.crisis_resources(packet.practice, packet.client.country)
    return render(
        request,
        "assessments/client/crisis.html",
        {"practice": packet.practice, "resources": resources, **context},
    )


@csrf_exempt
@token_page
@speaks_chosen_language
@require_http_methods(["GET", "HEAD", "POST"])
def page(request, token, step: int):
    """One page of questions. GET shows it with the answers saved so far; POST saves it, then
    moves on (next, back), stops for now (save) or submits the packet (on the last page)."""
    packet, refusal = _packet(request, token)
    if refusal:
        return refusal
    if packet.status == Packet.Status.SENT:
        return redirect("questionnaire:landing", token=token)  # only the POST there starts
    return serve_page(request, packet, step, link_flow(token, language_query(request)))


@in_client_language
def serve_page(request, packet: Packet, step: int, flow: Flow):
    """Page ``step`` of the open ``packet``'s form, shown (GET) or saved (POST), then moving on
    (next, back), stopping for now (save) or submitting the packet (on the last page)."""
    pages = packet_service.form_pages(packet_service.packet_items(packet))
    if not 1 <= step <= len(pages):
        return flow.start()
    current = pages[step - 1]
    options = {"questions": current.questions, "definition": current.item.definition}
    if request.method != "POST":
        initial = {f"item-{n}": value for n, value in current.item.draft_answers.items()}
        form = QuestionnairePageForm(initial=initial, require_answers=False, **options)
        return _render_page(request, packet, flow, pages, current, form)

    action = request.POST.get("action", "next")
    if action not in ACTIONS:
        action = "next"
    if action == "submit" and not current.is_last:
        action = "next"
    form = QuestionnairePageForm(
        request.POST, require_answers=action in {"next", "submit"}, **options
    )
    if not form.is_valid():
        return _render_page(request, packet, flow, pages, current, form, status=400)
    try:
        packet_service.save_answers(packet, current.item, form.answers(), request=request)
    except packet_service.PacketClosed:
        return _invalid(request)
    if action == "back":
        if step == 1:
            return flow.start()
        return redirect(flow.page_url(step - 1))
    if action == "save":
        return flow.saved(request, packet)
    if not current.is_last:
        return redirect(flow.page_url(step + 1))
    try:
        responses = _submit(request, packet)
    except response_service.IncompleteSubmission as incomplete:
        return _render_page(
            request, packet, flow, pages, current, form, problems=incomplete.problems, status=400
        )
    except packet_service.PacketClosed:
        return _invalid(request)
    if alert_service.crisis_raised(responses):
        return flow.crisis(request, packet)
    return flow.done(request, packet)


@token_page
@speaks_chosen_language
@require_GET
def support(request, token):
    """The crisis support page after a submission that raised a critical alert, by the link's
    token and the submission's signed mark, for ``SUPPORT_MAX_AGE``; a reload shows it again.
    Anything else is the same 404 as every dead link."""
    packet_id = marked_packet_id(request.GET.get("mark", ""))
    packet = packet_service.find_submitted_packet(token, packet_id) if packet_id else None
    if packet is None:
        return _failed_lookup(request)
    # The page's language links keep the mark, so switching language keeps the page.
    return render_crisis(request, packet, token=token, support_mark=request.GET["mark"])


def _thanked_practice(mark: str) -> Practice | None:
    """The practice a signed ``from`` mark names, or None when it is missing, forged or old."""
    try:
        practice_id = signing.loads(mark, salt=THANKS_SALT, max_age=THANKS_MAX_AGE)
    except signing.BadSignature:
        return None
    return Practice.objects.filter(pk=practice_id).first() if type(practice_id) is int else None


@token_page
@speaks_chosen_language
@require_GET
def thanks(request):
    """After submitting. Carries no token, only a signed mark of the practice the answers went
    to (so the page can name it), so it says nothing about anyone."""
    mark = request.GET.get("from", "")
    practice = _thanked_practice(mark)
    return render(
        request,
        "assessments/client/thanks.html",
        {"practice": practice, "practice_mark": mark if practice else ""},
    )
