"""A stored response as a QuestionnaireResponse, its scores as Observations, and the answers of an
incoming QuestionnaireResponse mapped onto an instrument's questions.

Reading accepts answers the way other systems send them, and maps each through the instrument's
definition only (no instrument is special-cased):

- the item's ``linkId`` is Attune's (the question's number) or one of the question's codes in
  the file (for the PHQ-9 and GAD-7 the LOINC item codes), with or without one leading ``/``
  as LOINC-based form tools write it; items nested in groups are read too, and an item whose
  linkId is a score's code (a total the other system computed) is left out, since Attune scores
  the answers itself;
- a choice answer is a ``valueCoding`` with the code the file gives the answer (LOINC LA codes)
  or Attune's scale-point code, a ``valueCoding`` carrying only an ordinalValue extension, or a
  plain ``valueInteger``; where a coding carries both a code and an ordinal they must agree;
- a text answer is a ``valueString``.

Anything else is a ``FhirProblem`` naming the item: an answer is never guessed.
"""

from __future__ import annotations

from assessments.fhir import codes
from assessments.fhir.questionnaires import answer_coding, ordinal, whole_number
from assessments.fhir.validation import FhirProblem

LOINC = "http://loinc.org"


# --- Export -------------------------------------------------------------------------------------


def _answer(definition: dict, question: dict, value) -> dict:
    if question["type"] != "choice":
        return {"valueString": str(value)}
    return {"valueCoding": answer_coding(question.get("scale") or definition["scale"], value)}


def build_questionnaire_response(
    definition: dict,
    version: int,
    answers: dict,
    *,
    resource_id: str,
    subject: str,
    authored: str,
) -> dict:
    """``answers`` (item number as text -> stored answer) of ``definition`` as a completed
    QuestionnaireResponse about ``subject`` (a reference), answering version ``version``."""
    items = []
    for question in definition["items"]:
        value = answers.get(str(question["number"]))
        if value is None or value == "":
            continue
        items.append(
            {
                "linkId": str(question["number"]),
                "text": question["text"],
                "answer": [_answer(definition, question, value)],
            }
        )
    response = {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id,
        "questionnaire": codes.canonical(definition["code"], version),
        "status": "completed",
        "subject": {"reference": subject},
        "authored": authored,
    }
    if items:
        response["item"] = items
    return response


def score_code(definition: dict, subscale: dict) -> dict:
    """The score's code: the file's (LOINC) where it gives one, else Attune's own."""
    if subscale.get("codings"):
        return {
            "coding": [codes.coding(entry) for entry in subscale["codings"]],
            "text": f"{definition.get('short_name', definition['name'])} {subscale['label']}",
        }
    return {
        "coding": [
            {
                "system": codes.SCORES_SYSTEM,
                "code": f"{definition['code']}/{subscale['key']}",
                "display": f"{definition.get('short_name', definition['name'])} "
                f"{subscale['label']}",
            }
        ],
        "text": f"{definition.get('short_name', definition['name'])} {subscale['label']}",
    }


def build_observations(
    definition: dict,
    result: dict,
    *,
    resource_ids: dict[str, str],
    subject: str,
    derived_from: str,
    effective: str,
    episode: str = "",
) -> list[dict]:
    """One Observation per subscale the engine scored (an incomplete subscale has no score and
    no Observation), derived from the QuestionnaireResponse ``derived_from``, in the episode of
    care ``episode`` (a reference) when given."""
    scored = (result or {}).get("subscales") or {}
    observations = []
    for subscale in definition.get("scoring", {}).get("subscales", []):
        entry = scored.get(subscale["key"]) or {}
        if entry.get("score") is None:
            continue
        observation = {
            "resourceType": "Observation",
            "id": resource_ids[subscale["key"]],
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": codes.OBSERVATION_CATEGORY_SYSTEM,
                            "code": "survey",
                            "display": "Survey",
                        }
                    ]
                }
            ],
            "code": score_code(definition, subscale),
            "subject": {"reference": subject},
            "effectiveDateTime": effective,
            "valueQuantity": {
                "value": entry["score"],
                "unit": "{score}",
                "system": codes.UCUM,
                "code": "{score}",
            },
            "derivedFrom": [{"reference": derived_from}],
        }
        if entry.get("band"):
            observation["interpretation"] = [{"text": entry["band"]}]
        if episode:
            observation["extension"] = [
                {"url": codes.EPISODE_OF_CARE_EXTENSION, "valueReference": {"reference": episode}}
            ]
        observations.append(observation)
    return observations


# --- Import -------------------------------------------------------------------------------------


def _flatten(items: list[dict]):
    """Every item that carries answers, through groups and answers' nested items."""
    for item in items or []:
        if item.get("answer"):
            yield item
            for answer in item["answer"]:
                yield from _flatten(answer.get("item"))
        yield from _flatten(item.get("item"))


def _link_ids(definition: dict) -> tuple[dict[str, dict], set[str]]:
    """linkId -> question, from the numbers and the questions' codes; and the scores' codes."""
    questions: dict[str, dict] = {}
    for question in definition["items"]:
        questions[str(question["number"])] = question
        for entry in question.get("codings", []):
            questions.setdefault(entry["code"], question)
    scores = {
        entry["code"]
        for subscale in definition.get("scoring", {}).get("subscales", [])
        for entry in subscale.get("codings", [])
    }
    return questions, scores


def _choice_value(definition: dict, question: dict, answer: dict, where: str) -> int:
    if "valueInteger" in answer:
        return answer["valueInteger"]
    coding = answer.get("valueCoding")
    if coding is None:
        kinds = ", ".join(key for key in answer if key.startswith("value")) or "no value"
        raise FhirProblem(
            [f"{where}: a choice answer is a valueCoding or a valueInteger, not {kinds}"]
        )
    scale = question.get("scale") or definition["scale"]
    by_code = {
        (label["coding"]["system"], label["coding"]["code"]): label["value"]
        for label in scale["labels"]
        if "coding" in label
    }
    weight = ordinal(coding) if ordinal(coding) is not None else ordinal(answer)
    by_weight = whole_number(weight) if weight is not None else None
    code, system = coding.get("code"), coding.get("system")
    from_code = None
    if code is not None:
        if system == codes.SCALE_POINTS_SYSTEM:
            from_code = whole_number(code)
        else:
            matches = {
                value
                for (known_system, known_code), value in by_code.items()
                if known_code == code and system in (None, known_system)
            }
            from_code = matches.pop() if len(matches) == 1 else None
    if weight is not None and by_weight is None:
        raise FhirProblem([f"{where}: the ordinal value {weight!r} is not a whole number"])
    if from_code is not None and by_weight is not None and from_code != by_weight:
        raise FhirProblem(
            [f"{where}: the code {code!r} means {from_code}, but its ordinal value is {by_weight}"]
        )
    if from_code is not None:
        return from_code
    if by_weight is not None:
        return by_weight
    raise FhirProblem(
        [
            f"{where}: the answer {code!r}"
            + (f" ({system})" if system else "")
            + " is not one of this question's answers, and it carries no ordinal value"
        ]
    )


def read_answers(definition: dict, response: dict) -> dict[int, object]:
    """The answers of a QuestionnaireResponse (a JSON object the R4B model accepted) keyed by
    question number, ready for the engine's own checks (scale, required questions). Raises
    ``FhirProblem`` listing every item that cannot be mapped."""
    questions, scores = _link_ids(definition)
    answers: dict[int, object] = {}
    problems: list[str] = []
    for item in _flatten(response.get("item", [])):
        link_id = str(item.get("linkId", ""))
        key = link_id[1:] if link_id.startswith("/") else link_id
        where = f"item {link_id!r}"
        question = questions.get(key)
        if question is None:
            if key in scores:
                continue  # a score the other system computed; Attune computes its own
            problems.append(f"{where}: no question of {definition['name']} has this linkId")
            continue
        where += f" (question {question['number']})"
        if question["number"] in answers:
            problems.append(f"{where}: answered twice")
            continue
        if len(item["answer"]) != 1:
            problems.append(f"{where}: give exactly one answer")
            continue
        answer = item["answer"][0]
        try:
            if question["type"] == "choice":
                answers[question["number"]] = _choice_value(definition, question, answer, where)
            elif "valueString" in answer:
                answers[question["number"]] = answer["valueString"]
            else:
                raise FhirProblem([f"{where}: a text answer is a valueString"])
        except FhirProblem as problem:
            problems.extend(problem.problems)
    if problems:
        raise FhirProblem(problems)
    return answers
