"""The home page: the caseload dashboard. Who needs attention first (open alerts, overdue
questionnaires, deterioration), everyone's latest attachment result and reliable change, read
from precomputed rows (``practice.dashboard.caseload``); for owners, the practice overview."""

from django import forms
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from assessments.templatetags.questionnaires import PANEL_ALERTS
from clients.services import caseload_holders
from practice import audit
from practice.dashboard import caseload, glance, guide, orders, outcomes, rows
from practice.permissions import member_required


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("account_login")


def _clinician_label(user) -> str:
    if getattr(user, "is_current", True):
        return str(user)
    return gettext("%(user)s (deactivated)") % {"user": user}


User = get_user_model()


class CaseloadForm(forms.Form):
    """The dashboard's GET parameters. Clinicians always see their own caseload; owners may
    choose the whole practice or one clinician's clients."""

    scope = forms.ChoiceField(
        label=_("Whose clients"), choices=list(caseload.SCOPES.items()), required=False
    )
    clinician = forms.ModelChoiceField(label=_("Clinician"), queryset=None, required=False)
    show = forms.ChoiceField(label=_("Show"), choices=list(caseload.SHOW.items()), required=False)
    q = forms.CharField(label=_("Search by name"), max_length=100, required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[("", _("Who needs attention"))]
        + [(key, label) for key, label in caseload.COLUMNS.items()]
        + [
            (f"-{key}", format_lazy(_("{label}, reversed"), label=label))
            for key, label in caseload.COLUMNS.items()
        ],
    )
    period = forms.ChoiceField(
        label=_("Overview period"),
        choices=list(outcomes.PERIODS.items()),
        required=False,
        initial=outcomes.DEFAULT_PERIOD,
    )

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.is_owner, self.practice_id = membership.is_owner, membership.practice_id
        # Deactivated members who still hold clients stay choosable (marked as such). The page
        # lists them from orders.clinicians; the queryset, built only when a clinician is asked for,
        # checks the choice (an empty value never reads it).
        chosen = self.is_owner and self.data.get("clinician")
        self.fields["clinician"].queryset = (
            caseload_holders(membership.practice) if chosen else User.objects.none()
        )
        self.fields["clinician"].label_from_instance = _clinician_label
        self.fields["clinician"].error_messages["invalid_choice"] = gettext(
            "Choose a clinician of this practice."
        )
        if not self.is_owner:  # a clinician's dashboard is their own caseload
            for name in ("scope", "clinician", "period"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if data.get("scope") == "clinician" and not data.get("clinician"):
            self.add_error("clinician", gettext("Choose the clinician whose clients to show."))
        elif data.get("clinician") and data.get("scope") == "practice":
            self.add_error(
                "clinician",
                gettext(
                    "Whole practice shows every clinician's clients: clear the clinician, or "
                    "choose One clinician."
                ),
            )
        elif data.get("clinician"):  # a clinician chosen means their clients, never ignored
            data["scope"] = "clinician"
        return data

    def query(self) -> caseload.CaseloadQuery:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return caseload.CaseloadQuery(
            scope=data.get("scope") or "mine",
            clinician=data.get("clinician"),
            show=data.get("show") or "",
            q=data.get("q") or "",
            sort=data.get("sort") or "",
        )

    def controls(self) -> list[dict]:
        """The filter fields as plain data for the page (label, id, options with the selected
        one, errors): cheaper to lay out than rendering each widget's templates."""
        controls = []
        for bound in self:
            field = bound.field
            value = bound.value()
            options = None
            if isinstance(field, forms.ModelChoiceField):
                options = [("", "Choose…", not value)] + [
                    (str(user.pk), field.label_from_instance(user), str(user.pk) == str(value))
                    for user in orders.clinicians(self.membership)
                ]
            elif isinstance(field, forms.ChoiceField):
                current = value or field.initial or ""
                options = [(key, label, key == current) for key, label in field.choices]
            controls.append(
                {
                    "name": bound.name,
                    "label": bound.label,
                    "id": bound.auto_id,
                    "options": options,
                    "options_html": rows.options_html(options or []),
                    "value": value or "",
                    "errors": bound.errors,
                }
            )
        return controls

    def overview_period(self) -> str:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("period") or outcomes.DEFAULT_PERIOD


def _querystring(request, *drop) -> str:
    params = request.GET.copy()
    for name in ("page", *drop):
        params.pop(name, None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


@member_required
def dashboard(request):
    # A clinician's ?scope=practice is ignored (the form has no such field for them): it simply
    # shows their own caseload.
    form = CaseloadForm(request.GET, membership=request.membership)
    query = form.query()
    page = caseload.caseload(request.user, request.membership, query, request.GET.get("page"))
    audit.record_list(request, "client", request.practice)
    glance.add_glance(page.object_list)
    overview, by_clinician = outcomes.overviews(
        request.user, request.membership, form.overview_period(), query
    )
    controls = form.controls()
    # The compact row's sortable headings; every column sorts from the "Sort" field too.
    sorts = {
        key: {
            "key": key,
            "label": label,
            "sort": caseload.sort_link(query.sort, key),
            "current": query.sort.lstrip("-") == key,
            "descending": query.sort.startswith("-"),
        }
        for key, label in caseload.COLUMNS.items()
    }
    return render(
        request,
        "practice/dashboard.html",
        {
            "form": form,
            "controls": controls,
            "query": query,
            "page_obj": page,
            "rows_html": rows.rows_html(page.object_list, query.scope),
            "sorts": sorts,
            "guide": guide.first_run_steps(request.membership),
            "questionnaires_started": glance.questionnaires_started(page.object_list),
            "scope": query.scope,
            "overview": overview,
            "by_clinician": by_clinician,
            "by_clinician_rows": rows.by_clinician_html(
                by_clinician, overview.period if overview else ""
            ),
            "scope_label": caseload.SCOPES[query.scope],
            # The open-alerts panel shows the alerts of the caseload chosen here.
            "panel_alerts": caseload.panel_alerts(
                request.user, request.membership, query, PANEL_ALERTS + 1
            ),
            "periods": outcomes.PERIODS,
            "show_label": caseload.SHOW.get(query.show, ""),
            "querystring_without_page": _querystring(request),
            "querystring_without_sort": _querystring(request, "sort"),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@member_required
def dismiss_guide(request):
    """Close the dashboard's first-run guide for this member, for good."""
    guide.dismiss_guide(request.membership)
    return redirect("dashboard")
