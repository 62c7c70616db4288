"""The demo data behind `make demo`: shipped libraries, demo log-ins per role, contacts, and two cycles.

The 2023 cycle lies in the past and is scored; the 2024 cycle is open, with offline answers from all nine
groups, a few web answers from the demo contacts (submitted and half-done), an IRO register rated by the
management and internal ESG-expert contacts (method esrs-1), and a score run. Its results page shows the IRO
view with the stakeholder (dma-1 survey) view beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from materiality import aggregation, iro_ratings, iros, rater_mailing, raters, roles, services, synthetic, synthetic_iros
from materiality.iro_models import Iro, RaterAssignment, RaterToken
from materiality.models import Assessment, IssueLibrary, ScoreRun, Topic
from materiality.tables import read_table
from stakeholders.models import Stakeholder, StakeholderGroup
from surveys import imports, tokens
from surveys import services as survey_services
from surveys.models import Invitation

DEMO_USERS = [
    # username, password, role, full name
    ("workteam", "workteam-demo", roles.WORK_TEAM, "Wendy Work-Team"),
    ("committee", "committee-demo", roles.COMMITTEE, "Colin Committee"),
    ("chair", "chair-demo", roles.COMMITTEE, "Chen Chair"),
    ("admin", "admin-demo", None, "Ada Admin"),
]

DEMO_CONTACTS_PER_GROUP = 4
WORKSHOP_NOTES = Path(__file__).resolve().parent / "demo_data" / "calb-2024-iros.csv"
STAGES = {"upstream": "upstream", "own": "own_operations", "downstream": "downstream"}


def ensure_user(username: str, password: str, role: str | None, full_name: str) -> User:
    """Create the user with that password and role if missing; an existing user keeps its password."""
    first, _, last = full_name.partition(" ")
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"}
    )
    if created:
        user.set_password(password)
        user.is_staff = role is None
        user.is_superuser = role is None
        user.save()
    if role:
        if not Group.objects.filter(name=role).exists():
            roles.sync_roles(django_apps)  # a database flushed after migrating has lost the migration's groups
        user.groups.add(Group.objects.get(name=role))
    return user


def load_demo() -> list[tuple[str, str, str]]:
    """Load everything the demo shows; running it again changes nothing. Return the log-ins."""
    load_people()
    load_cycles()
    return [(u, p, f"{r} + {roles.CHAIR}" if u == "chair" else r or "superuser") for u, p, r, _ in DEMO_USERS]


@transaction.atomic
def load_people() -> None:
    """Load the shipped libraries, the demo log-ins and four contacts per group."""
    services.load_library("calb-2024")
    for username, password, role, full_name in DEMO_USERS:
        ensure_user(username, password, role, full_name)
    User.objects.get(username="chair").groups.add(Group.objects.get(name=roles.CHAIR))  # `chair` chairs the committee
    for group in StakeholderGroup.objects.all():
        for i in range(1, DEMO_CONTACTS_PER_GROUP + 1):
            Stakeholder.objects.get_or_create(
                email=f"{group.code}.{i}@example.com",
                defaults={
                    "name": f"{group.name_en} contact {i}", "group": group,
                    "organisation": "CALB" if group.is_internal else f"{group.name_en} org {i}",
                    "language": Stakeholder.Language.CHINESE if i % 2 else Stakeholder.Language.ENGLISH,
                },
            )


# Offline answers per group: roughly the mix a listed manufacturer collects (many employees and customers).
OFFLINE_RESPONDENTS = {
    "customers": 30, "shareholders": 12, "employees": 40, "government": 8, "suppliers": 20, "community": 15,
    "industry": 8, "management": 14, "esg_experts": 8,
}


@dataclass(frozen=True)
class DemoCycle:
    slug: str
    name: str
    year: int
    opens: dt.datetime
    closes: dt.datetime
    seed: int
    previous: str | None = None


def demo_cycles(now: dt.datetime) -> list[DemoCycle]:
    tz = timezone.get_current_timezone()
    return [
        DemoCycle("dma-2023", "Double materiality 2023", 2023, dt.datetime(2023, 10, 9, 9, tzinfo=tz),
                  dt.datetime(2023, 11, 10, 18, tzinfo=tz), seed=2023),
        DemoCycle("dma-2024", "Double materiality 2024", 2024, now - dt.timedelta(days=14),
                  now + dt.timedelta(days=16), seed=2024, previous="dma-2023"),
    ]


def load_cycles() -> None:
    """Create, fill and score each demo cycle that does not exist yet; the committee confirms past ones."""
    for cycle in demo_cycles(timezone.now()):
        if Assessment.objects.filter(slug=cycle.slug).exists():
            continue
        assessment = create_cycle(cycle)
        if cycle.closes > timezone.now():
            answer_on_the_web(assessment, seed=cycle.seed)
            rate_the_iros(assessment, seed=cycle.seed)
        run = services.start_aggregation(assessment)
        aggregation.run_aggregation(run.pk)  # the demo waits for its result; the queued task then finds it done
        if cycle.closes < timezone.now():
            confirm_as_the_committee(assessment)


def confirm_as_the_committee(assessment: Assessment) -> None:
    """Review a past cycle as the committee did: one override with its reason, the register, approval, confirmation."""
    users = {u.username: u for u in User.objects.filter(username__in=["workteam", "committee", "chair"])}
    run = services.latest_succeeded_run(assessment)
    general = run.topic_scores.filter(classification="general").select_related("topic").order_by("rank").first()
    if general is not None:
        services.override_class(run, general.topic, "important", reason=(
            "Customers raised it repeatedly in the 2023 meetings; the committee keeps it in the register."),
            reason_zh="客户在2023年的沟通会议中多次提及该议题，委员会决定将其保留在登记表中。",
            acting_user=users["committee"])
    write_register(assessment, users["workteam"])
    for borderline in run.topic_scores.filter(is_borderline=True).select_related("topic"):
        services.add_comment(assessment, borderline.topic, "Close to a threshold; the committee discussed it and "
                             "keeps the class shown.", acting_user=users["committee"])
    services.record_approval(run, member=users["committee"], decision="approve", note="Agreed.")
    services.confirm_assessment(assessment, acting_user=users["chair"])


def workshop_notes() -> dict[str, dict]:
    """The committee's step-3 notes per topic code, from the seed's table of impacts, risks and opportunities."""
    frame = pd.read_csv(WORKSHOP_NOTES, dtype=str).fillna("")
    notes: dict[str, dict] = {}
    for code, rows in frame.groupby("topic"):
        stages = {s for value in rows.value_chain for s in value.split(";") if s in STAGES}
        notes[str(code)] = {
            **{STAGES[s]: True for s in stages},
            "risks": "\n".join(rows[rows.kind == "risk"].title_en), "groups": {
                g for value in rows.groups for g in value.split(";") if g},
            "opportunities": "\n".join(rows[rows.kind == "opportunity"].title_en),
            "risks_zh": "\n".join(rows[rows.kind == "risk"].title_zh),
            "opportunities_zh": "\n".join(rows[rows.kind == "opportunity"].title_zh),
            "influence_period": rows.horizon.mode().iloc[0] if rows.horizon.any() else ""}
    return notes


def write_register(assessment: Assessment, user: User) -> None:
    """Pre-fill the step-3 register, then complete each entry as the committee's workshop did (every part filled)."""
    services.prefill_register(assessment, acting_user=user)
    notes = workshop_notes()
    codes = [ag.group.code for ag in assessment.group_weights.select_related("group")]
    for score, _cls in services.register_topics(assessment):
        entry = assessment.register_entries.get(topic=score.topic)
        note = notes.get(score.topic.code, {})
        values = {"own_operations": True, **{k: v for k, v in note.items() if k in STAGES.values()}}
        values["risks"] = note.get("risks") or entry.risks or (
            f"Costs of falling short of stakeholders' expectations on {score.topic.name_en.lower()}.")
        values["opportunities"] = note.get("opportunities") or entry.opportunities
        values["risks_zh"] = note.get("risks_zh") or entry.risks_zh or (
            f"未能满足利益相关方在“{score.topic.name_zh}”方面期望所带来的成本。")
        values["opportunities_zh"] = note.get("opportunities_zh") or entry.opportunities_zh
        values["influence_period"] = entry.influence_period or note.get("influence_period") or "medium"
        values["stakeholder_groups"] = entry.stakeholder_groups or [c for c in codes if c in note.get("groups", ())] \
            or codes[:1]
        services.save_register_entry(assessment, score.topic, values=values, acting_user=user)


@transaction.atomic
def create_cycle(cycle: DemoCycle) -> Assessment:
    """Create the assessment with its default questionnaires and import its offline answers."""
    groups = list(StakeholderGroup.objects.all())
    assessment = survey_services.create_assessment(
        slug=cycle.slug, name=cycle.name, library=IssueLibrary.objects.get(year=cycle.year),
        weights={g: g.default_weight for g in groups}, opens_at=cycle.opens, closes_at=cycle.closes,
        previous=Assessment.objects.filter(slug=cycle.previous).first() if cycle.previous else None,
    )
    Assessment.objects.filter(pk=assessment.pk).update(chair=User.objects.get(username="chair"))
    topics = list(active_topics(assessment).values_list("code", flat=True))
    specs = [synthetic.GroupSpec(g.code, g.is_rater, tuple(g.needs_topics)) for g in groups]
    answers = synthetic.to_csv_bytes(synthetic.responses(
        topics, specs, OFFLINE_RESPONDENTS, seed=cycle.seed, prefix=f"offline-{cycle.year}", scale=assessment.scale,
    ))
    imports.import_responses(assessment, answers, f"offline-answers-{cycle.year}.csv")
    return assessment


def active_topics(assessment: Assessment):  # type: ignore[no-untyped-def]
    return assessment.library.topics.exclude(change_kind=Topic.Change.RETIRED).order_by("position")


def answer_on_the_web(assessment: Assessment, *, seed: int) -> None:
    """Invite the demo contacts; the first two of each group answer fully, the third stops half-way."""
    survey_services.create_invitations(assessment)
    rng = np.random.default_rng(seed)
    topics = list(active_topics(assessment))
    invitations = (Invitation.objects.filter(questionnaire__assessment=assessment, contact__isnull=False)
                   .select_related("contact", "group", "questionnaire").order_by("group__position", "contact__email"))
    for invitation in invitations:
        number = int(invitation.contact.email.split("@")[0].rsplit(".", 1)[-1])
        if number > 3:
            continue  # not opened yet: shows up under "not answered" on the tracking page
        Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.SENT, sent_at=timezone.now())
        spec = synthetic.GroupSpec(invitation.group.code, invitation.group.is_rater, tuple(invitation.group.needs_topics))
        frame = synthetic.group_frame(rng, spec, [t.code for t in topics], ["web"], scale=assessment.scale)
        response = survey_services.start_response(invitation, browser_secret=None, language=invitation.contact.language)
        chosen = topics if number <= 2 else topics[: len(topics) // 2]
        answers = {topic: web_answer(row, invitation.questionnaire) for topic, row in
                   zip(chosen, frame.itertuples(index=False), strict=False)}
        survey_services.save_answers(response, answers)
        if number <= 2:
            survey_services.submit_response(response, topics)


def web_answer(row: object, questionnaire: object) -> survey_services.Answer:
    """Turn one synthetic CSV row into a web answer, "don't know" where the row is empty."""
    values = {}
    dont_know = []
    for item in questionnaire.rated_items():  # type: ignore[attr-defined]
        value = getattr(row, item)
        if pd.isna(value):
            dont_know.append(item)
            values[item] = None
        else:
            values[item] = int(value)
    horizon = ""
    if questionnaire.asks_horizon:  # type: ignore[attr-defined]
        horizon = str(row.horizon) if values.get("magnitude") else ""
        if not horizon:
            dont_know.append("horizon")
    return survey_services.Answer(**values, horizon=horizon, dont_know=tuple(dont_know))


def latest_runs() -> list[ScoreRun]:
    return [a.score_runs.order_by("-pk").first() for a in Assessment.objects.order_by("opens_at")]


# --- the IRO view of the open cycle (issue 12): register, raters, ratings, method esrs-1 ---------------------------

IRO_RATER_GROUPS = ("management", "esg_experts")
PART_WAY_RATER = "esg_experts.4@example.com"  # has saved half of the IROs, not handed in: the link to try
UNOPENED_RATER = "management.4@example.com"  # has not started


@transaction.atomic
def rate_the_iros(assessment: Assessment, *, seed: int) -> None:
    """Make the cycle an esrs-1 one: import the shipped register, assign raters, and rate as the raters did.

    ESG experts rate every topic; the management contacts split the topics in two, so every topic has at least
    six raters. All but two hand their ratings in: one has saved half, one has not started.
    """
    Assessment.objects.filter(pk=assessment.pk).update(method="esrs-1")
    assessment.method = "esrs-1"
    path = WORKSHOP_NOTES
    iros.import_iros(assessment, read_table(path.read_bytes(), path.name))
    topics = list(active_topics(assessment).filter(iros__assessment=assessment).distinct())
    register = {i.code: i for i in Iro.objects.filter(assessment=assessment)}
    specs = [synthetic_iros.IroSpec(i.code, i.topic.code, i.kind, i.sign, i.status)
             for i in Iro.objects.filter(assessment=assessment).select_related("topic")]
    contacts = Stakeholder.objects.filter(group__code__in=IRO_RATER_GROUPS).order_by("group__position", "email")
    frame = synthetic_iros.ratings(specs, [c.email for c in contacts], seed=seed, scale=assessment.scale)
    for contact in contacts:
        number = int(contact.email.split("@")[0].rsplit(".", 1)[-1])
        mine = topics if contact.group.code == "esg_experts" else topics[number % 2::2]
        assignment = raters.assign_rater(assessment, mine, contact=contact)
        if contact.email == UNOPENED_RATER:
            continue
        iros_of = raters.iros_to_rate(assignment)
        rows = frame[frame.rater == contact.email].set_index("iro")
        answers = {iro: iro_answer(rows.loc[iro.code], iro) for iro in iros_of if iro.code in register}
        if contact.email == PART_WAY_RATER:
            iro_ratings.save_ratings(assignment, dict(list(answers.items())[: len(answers) // 2]))
        else:
            iro_ratings.submit_ratings(assignment, answers, iros_of)


def iro_answer(row: pd.Series, iro: Iro) -> iro_ratings.Answer:
    """One synthetic ratings row as the rating page would save it: an empty criterion is "don't know"."""
    values = {c: None if pd.isna(row[c]) else int(row[c]) for c in iro.criteria()}
    rationale = "" if pd.isna(row["rationale"]) else str(row["rationale"])
    return iro_ratings.Answer(values, tuple(c for c, v in values.items() if v is None), rationale)


def rater_link() -> str | None:
    """A fresh secret link for the part-way rater of the open cycle, so a demo user can open the rating page."""
    assignment = RaterAssignment.objects.filter(
        assessment__slug="dma-2024", contact__email=PART_WAY_RATER).exclude(
        status=RaterAssignment.Status.SUBMITTED).first()
    if assignment is None:
        return None
    token = tokens.make_token()
    RaterToken.objects.create(assignment=assignment, token_hash=tokens.hash_token(token))
    return rater_mailing.rating_url(token)
