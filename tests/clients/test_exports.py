"""CSV exports of scores: one client, a caseload, the practice. Each row carries the trajectory's
own numbers (baseline, change, RCI, critical value, margin, label); text a spreadsheet would run
as a formula is neutralised; rows stream; only what the caller sees; every client audited."""

import csv
import io

import pytest
from django.urls import reverse

from assessments.trajectory import client_trajectory
from clients.exports.spreadsheet import csv_text, safe_cell
from clients.models import ClientShare
from practice.models import AuditAction, AuditEvent
from tests.conftest import logged_in
from tests.practice.progress_helpers import cite_ecr, day, ecr, phq9, respond

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def erin_history(erin):
    cite_ecr(erin.practice)
    respond(erin, "ecr-r", ecr(6, 5), day(2025, 1, 6))
    respond(erin, "ecr-r", ecr(5, 5), day(2025, 2, 3))
    respond(erin, "phq-9", phq9(18), day(2025, 1, 6))
    return erin


class TestSafeCells:
    @pytest.mark.parametrize(
        "text",
        ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"],
    )
    def test_formula_starts_are_neutralised(self, text):
        assert safe_cell(text) == "'" + text

    def test_plain_text_and_numbers_stay(self):
        assert safe_cell("Erin") == "Erin"
        assert safe_cell(-1.5) == -1.5  # our own numbers: a negative change stays a number
        assert safe_cell(None) == ""
        assert (safe_cell(True), safe_cell(False)) == ("yes", "no")

    def test_whole_lines_neutralise_every_text_cell(self):
        text = csv_text(["=a", "b"], [["-x", -2]])
        assert list(csv.reader(io.StringIO(text))) == [["'=a", "b"], ["'-x", "-2"]]


class TestOneClient:
    def test_rows_carry_the_trajectorys_numbers(self, bob, erin_history):
        response = logged_in(bob).get(reverse("clients:export_scores", args=[erin_history.pk]))
        rows = read_csv(response)
        assert response["Content-Disposition"] == (
            f'attachment; filename="scores-{erin_history.pk.hex[:8]}.csv"'
        )
        ecr_rows = [r for r in rows if r["instrument"] == "ecr-r"]
        phq_rows = [r for r in rows if r["instrument"] == "phq-9"]
        assert [(r["date"], r["subscale"], r["score"]) for r in ecr_rows] == [
            ("2025-01-06", "anxiety", "6.0"),
            ("2025-01-06", "avoidance", "5.0"),
            ("2025-02-03", "anxiety", "5.0"),
            ("2025-02-03", "avoidance", "5.0"),
        ]
        trajectory = next(
            t for t in client_trajectory(bob, erin_history).instruments if t.code == "ecr-r"
        )
        change = trajectory.administrations[1].since_baseline["anxiety"]
        later_anxiety = ecr_rows[2]
        assert later_anxiety["instrument_version"] == trajectory.instrument.current_version.label
        assert later_anxiety["baseline_date"] == "2025-01-06"
        assert later_anxiety["baseline_score"] == "6.0"
        assert float(later_anxiety["change_since_baseline"]) == change.difference == -1
        assert float(later_anxiety["rci"]) == pytest.approx(change.rci)
        assert float(later_anxiety["reliable_change_margin"]) == pytest.approx(change.margin)
        assert float(later_anxiety["critical_value"]) == trajectory.critical_value
        assert later_anxiety["reliable_change"] == change.label == "improved"
        assert later_anxiety["style"] == "Fearful-avoidant"
        assert later_anxiety["is_baseline"] == "no" and ecr_rows[0]["is_baseline"] == "yes"
        assert ecr_rows[0]["reliable_change"] == ""  # the baseline is not compared
        (phq_total,) = phq_rows
        assert (phq_total["subscale"], phq_total["score"], phq_total["band"]) == (
            "total",
            "18",
            "Moderately severe",
        )

    def test_a_formula_in_a_reference_is_neutralised(self, bob, erin_history):
        erin_history.external_reference = "=cmd|' /C calc'!A0"
        erin_history.full_name = "@Erin Fictional"
        erin_history.save()
        rows = read_csv(
            logged_in(bob).get(reverse("clients:export_scores", args=[erin_history.pk]))
        )
        assert {r["client_reference"] for r in rows} == {"'=cmd|' /C calc'!A0"}
        assert {r["client_name"] for r in rows} == {"'@Erin Fictional"}

    def test_audited_as_an_export_of_the_client(self, bob, erin_history):
        read_csv(logged_in(bob).get(reverse("clients:export_scores", args=[erin_history.pk])))
        event = AuditEvent.objects.get(action=AuditAction.EXPORT)
        assert (event.client_id, event.actor, event.fields) == (erin_history.pk, bob, ["scores"])

    def test_out_of_scope_is_404(self, dana, charlie, erin_history):
        url = reverse("clients:export_scores", args=[erin_history.pk])
        for user in (dana, charlie):
            assert logged_in(user).get(url).status_code == 404
        assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


class TestCaseloadAndPractice:
    @pytest.fixture
    def two_caseloads(self, erin_history, frank):
        respond(frank, "phq-9", phq9(9), day(2025, 3, 1))
        return erin_history, frank

    def test_a_clinician_gets_their_caseload_only(self, bob, two_caseloads):
        erin, _frank = two_caseloads
        rows = read_csv(logged_in(bob).get(reverse("clients:caseload_scores")))
        assert {r["client_id"] for r in rows} == {str(erin.pk)}
        exported = AuditEvent.objects.filter(action=AuditAction.EXPORT)
        assert {e.client_id for e in exported} == {erin.pk}

    def test_a_shared_client_is_part_of_the_caseload(self, dana, bob, two_caseloads):
        erin, frank = two_caseloads
        ClientShare.objects.create(client=erin, clinician=dana)
        rows = read_csv(logged_in(dana).get(reverse("clients:caseload_scores")))
        assert {r["client_id"] for r in rows} == {str(erin.pk), str(frank.pk)}

    def test_the_owner_gets_the_practice_or_one_clinicians_caseload(
        self, alice, dana, two_caseloads
    ):
        erin, frank = two_caseloads
        rows = read_csv(logged_in(alice).get(reverse("clients:caseload_scores")))
        assert {r["client_id"] for r in rows} == {str(erin.pk), str(frank.pk)}
        rows = read_csv(
            logged_in(alice).get(reverse("clients:caseload_scores"), {"clinician": dana.pk})
        )
        assert {r["client_id"] for r in rows} == {str(frank.pk)}
        exported = AuditEvent.objects.filter(action=AuditAction.EXPORT)
        assert sorted(str(e.client_id) for e in exported) == sorted(
            [str(erin.pk), str(frank.pk), str(frank.pk)]
        )

    def test_another_practice_sees_none_of_it(self, charlie, two_caseloads, gina):
        rows = read_csv(logged_in(charlie).get(reverse("clients:caseload_scores")))
        assert rows == []

    def test_a_bad_clinician_is_404(self, alice, two_caseloads):
        url = reverse("clients:caseload_scores")
        assert logged_in(alice).get(url, {"clinician": "x" * 30}).status_code == 404

    def test_queries_do_not_grow_with_clients(
        self, alice, bob, practice_a, two_caseloads, django_assert_max_num_queries
    ):
        from tests.factories import ClientFactory

        for n in range(6):
            client = ClientFactory(practice=practice_a, primary_clinician=bob)
            respond(client, "phq-9", phq9(n), day(2025, 4, 1))
        web = logged_in(alice)
        with django_assert_max_num_queries(30):
            rows = read_csv(web.get(reverse("clients:caseload_scores")))
        assert len({r["client_id"] for r in rows}) == 8
