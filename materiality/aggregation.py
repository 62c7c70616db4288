"""The scoring job: claim a run, read the per-group statistics in one query, score, draw, store all at once."""

from __future__ import annotations

import contextlib
import logging

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from materiality import audit, runs, scoring
from materiality.models import Assessment, GroupScore, ScoreRun, Topic, TopicScore
from materiality.scoring import ScoringParams
from stakeholders.models import StakeholderGroup
from surveys.models import Rating, Response

log = logging.getLogger(__name__)


def scoring_params(assessment: Assessment) -> ScoringParams:
    """Snapshot the assessment's scale, group weights and thresholds as the parameters of a run."""
    weights = {ag.group.code: ag.weight for ag in assessment.group_weights.select_related("group")}
    internal = tuple(sorted(ag.group.code for ag in assessment.group_weights.select_related("group")
                            if ag.group.is_internal))
    return ScoringParams(scale=assessment.scale, weights=weights, major=assessment.major_threshold,
                         important=assessment.important_threshold, internal_groups=internal,
                         asked=asked_topics(assessment))


def asked_topics(assessment: Assessment) -> dict[str, tuple[str, ...]]:
    """Return, per group asked only some topics by its questionnaire, those topics' codes (surveys' topic_subsets)."""
    subsets = {int(g): ids for q in assessment.questionnaires.all() for g, ids in (q.topic_subsets or {}).items()}
    if not subsets:
        return {}
    groups = dict(StakeholderGroup.objects.filter(pk__in=subsets).values_list("pk", "code"))
    codes = dict(assessment.library.topics.values_list("pk", "code"))
    return {groups[g]: tuple(sorted(codes[t] for t in ids if t in codes)) for g, ids in subsets.items() if g in groups}


def run_settings(assessment: Assessment) -> tuple[str, dict[str, object]]:
    """Return the method and parameters a new run of the assessment records (the method decides which)."""
    if assessment.method == esrs_aggregation.esrs_scoring.METHOD:
        return assessment.method, esrs_aggregation.esrs_params(assessment).to_json()
    return scoring.METHOD, scoring_params(assessment).to_json()


def has_input(assessment: Assessment) -> bool:
    """Whether there is anything to score: submitted answers for dma-1, IRO ratings for esrs-1."""
    if assessment.method == esrs_aggregation.esrs_scoring.METHOD:
        return esrs_aggregation.IroRating.objects.filter(iro__assessment=assessment, submitted_at__isnull=False).exists()
    return Response.objects.filter(assessment=assessment, status=Response.Status.SUBMITTED).exists()


def fetch_all(query: object, postgres_setting: str) -> list[tuple]:
    """Run a query's rows into a list, on PostgreSQL with SET LOCAL settings for this transaction only."""
    if connection.vendor != "postgresql":
        return list(query)  # type: ignore[call-overload]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(postgres_setting)
        return list(query)  # type: ignore[call-overload]


def rating_statistics(assessment_id: int) -> pd.DataFrame:
    """Return count, sum and sum of squares of the per-response values per (group id, topic id), with horizon counts.

    One aggregate query over the submitted responses' ratings counts the ratings per (group, topic, impact product
    severity x likelihood, financial product magnitude x financial likelihood): integers only, so the database
    gives the same answer whatever plan it picks (a parallel plan adds floats in a different order each time).
    A product takes at most S x S values, so the sums of the square roots are then formed here, over a few
    thousand rows in a fixed order: identical on every run, and more exact than adding millions of roots.
    The sum of squares of sqrt(a x b) is the integer sum of a x b. Python never sees a single rating row.
    Only the ratings within the cycle's range of response ids are read: the query costs the same whatever earlier
    cycles hold.
    """
    impact_k = F("severity") * Coalesce(F("likelihood"), F("severity"))
    financial_k = F("magnitude") * Coalesce(F("financial_likelihood"), F("magnitude"))
    # The cycle's range of response ids (one look-up along response_cycle_order), given to the planner as
    # constants: a superset of the cycle's ratings that the join then narrows. (As subqueries in the same statement
    # the planner cannot use them and the query took twice as long.)
    ids = Response.objects.filter(assessment_id=assessment_id).aggregate(low=Min("id"), high=Max("id"))
    rows = (
        Rating.objects.filter(response_id__gte=ids["low"] or 0, response_id__lte=ids["high"] or 0)
        .filter(response__assessment_id=assessment_id, response__status=Response.Status.SUBMITTED)
        .filter(response__excluded_at=None)  # excluded by the work team (surveys/exclusions.py)
        .values(group_id=F("response__group_id"), topic_ref=F("topic_id"), impact_k=impact_k, financial_k=financial_k)
        .annotate(
            count=Count("pk"),
            short=Count("pk", filter=Q(horizon="short")),
            medium=Count("pk", filter=Q(horizon="medium")),
            long=Count("pk", filter=Q(horizon="long")),
        )
        .order_by()
    )
    keys = ["group_id", "topic_ref"]
    query = rows.values_list(*keys, "impact_k", "financial_k", "count", *scoring.HORIZONS)
    # The join hashes the submitted responses (about 50 MB at a million): with the default 4 MB the hash
    # spills to disk in batches and the scan took 10x the raw query. Only this transaction gets more.
    # Beside earlier cycles, the default random_page_cost (4, for spinning disks) makes the planner scan every
    # cycle's ratings rather than walk this cycle's responses into the ratings' key (issue 16.7: 1.35 s against
    # 0.8 s with two earlier 100,000-respondent cycles; the same on a fresh database).
    found = fetch_all(query, "SET LOCAL work_mem = '128MB'; SET LOCAL random_page_cost = 1.1")
    counted = pd.DataFrame.from_records(found, columns=[*keys, "impact_k", "financial_k", "count", *scoring.HORIZONS])
    out = counted.groupby(keys, sort=True)[["count", *scoring.HORIZONS]].sum().drop(columns="count")
    for dim in scoring.DIMENSIONS:
        part = counted.dropna(subset=[f"{dim}_k"])
        part = part.assign(k=part[f"{dim}_k"].astype("int64"))
        part = part.groupby([*keys, "k"], sort=True)["count"].sum().reset_index()  # sorted: a fixed summing order
        part = part.assign(root=part["count"] * np.sqrt(part["k"].astype("float64")), square=part["count"] * part["k"])
        sums = part.groupby(keys, sort=True).agg(n=("count", "sum"), total=("root", "sum"), squares=("square", "sum"))
        out[f"n_{dim}"] = sums["n"].reindex(out.index).fillna(0).astype("int64")
        out[f"sum_{dim}"] = sums["total"].reindex(out.index).astype("float64")
        out[f"sumsq_{dim}"] = sums["squares"].reindex(out.index).astype("float64")
    columns = ["group_id", "topic_ref", "n_impact", "sum_impact", "sumsq_impact", "n_financial", "sum_financial",
               "sumsq_financial", "short", "medium", "long"]
    return out.reset_index()[columns]


def long_stats(raw: pd.DataFrame, groups: dict[int, str], topics: dict[int, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Turn the query's wide rows into scoring's (group, topic, dimension, n, sum, sumsq) and horizon counts."""
    frames = []
    for dim in scoring.DIMENSIONS:
        part = pd.DataFrame({
            "group": raw["group_id"].map(groups), "topic": raw["topic_ref"].map(topics), "dimension": dim,
            "n": raw[f"n_{dim}"].astype("int64"), "sum": raw[f"sum_{dim}"].astype("float64").fillna(0.0),
            "sumsq": raw[f"sumsq_{dim}"].astype("float64").fillna(0.0),
        })
        frames.append(part[part["n"] > 0])
    stats = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=scoring.STATS_COLUMNS)
    horizons = raw.assign(topic=raw["topic_ref"].map(topics)).groupby("topic")[list(scoring.HORIZONS)].sum()
    return stats.dropna(subset=["group", "topic"]), horizons


def set_stage(lease: runs.Lease, stage: str, progress: int) -> None:
    """Record where the job is (a plain UPDATE the progress bar polls; also a heartbeat), while the lease holds."""
    runs.beat(lease, stage=stage, progress=progress)


def previous_scores(assessment: Assessment) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Return last confirmed cycle's topic scores (by code) and this library's lineage to them."""
    empty = pd.DataFrame(columns=["impact", "financial", "combined", "classification"])
    previous = assessment.previous
    if previous is None or previous.confirmed_at is None:
        return empty, {}
    run = latest_succeeded_run(previous)
    if run is None:
        return empty, {}
    rows = run.topic_scores.select_related("topic").values_list(
        "topic__code", "impact", "financial", "combined", "classification")
    scores = pd.DataFrame(list(rows), columns=["topic", "impact", "financial", "combined", "classification"])
    scores = scores.set_index("topic").astype({"impact": "float64", "financial": "float64", "combined": "float64"})
    lineage: dict[str, list[str]] = {}
    links = Topic.predecessors.through.objects.filter(
        from_topic__library_id=assessment.library_id, to_topic__library_id=previous.library_id
    ).values_list("from_topic__code", "to_topic__code")
    for code, before in links:
        lineage.setdefault(code, []).append(before)
    return scores, lineage


def latest_succeeded_run(assessment: Assessment) -> ScoreRun | None:
    """Return the run whose results the pages show: the newest that succeeded."""
    return (assessment.score_runs.filter(status=ScoreRun.Status.SUCCEEDED)
            .order_by("-finished_at", "-pk").first())


def results_frame(run: ScoreRun) -> pd.DataFrame:
    """Return a stored run's topic scores as a DataFrame indexed by topic code, in rank order."""
    fields = ["topic__code", "topic__pillar", "topic__name_en", "topic__name_zh", "impact", "financial", "combined",
              "n_impact", "n_financial", "impact_low", "impact_high", "financial_low", "financial_high",
              "classification", "rank", "is_borderline", "influence_period"]
    rows = run.topic_scores.order_by("rank").values_list(*fields)
    frame = pd.DataFrame(list(rows), columns=["topic", "pillar", *fields[2:]])
    return frame.rename(columns={"topic__name_en": "name_en", "topic__name_zh": "name_zh"}).set_index("topic")


MATRIX_LABELS = {
    "x": gettext_lazy("Financial materiality"), "y": gettext_lazy("Impact materiality"),
    "E": gettext_lazy("Environmental"), "S": gettext_lazy("Social"), "G": gettext_lazy("Governance"),
    "other": gettext_lazy("Other"),
    "major": gettext_lazy("Major"), "important": gettext_lazy("Important"), "general": gettext_lazy("General"),
    # xgettext:no-python-format
    "interval": gettext_lazy("95% interval"),
    "major_line": gettext_lazy("Major threshold"), "important_line": gettext_lazy("Important threshold"),
    "topics": gettext_lazy("Topics"),
    "description": gettext_lazy("Double-materiality matrix: impact materiality (vertical) against financial "
                                "materiality (horizontal), one point per topic"),
    "impact_iro": gettext_lazy("Impact (IRO)"), "risk_iro": gettext_lazy("Risk (IRO)"),
    "opportunity_iro": gettext_lazy("Opportunity (IRO)"), "iro_line": gettext_lazy("IRO to its topic"),
    "iros_description": gettext_lazy("Double-materiality matrix with every IRO: each topic a point, each impact a "
                                     "small point below it, each risk or opportunity a small point to its left"),
}
MATRIX_LANGUAGES = ("en", "zh-hans")  # one figure each: the legend names every topic in the page's language


def matrix_labels(language: str) -> dict[str, str]:
    """The matrix's words in one language."""
    with translation.override(language):
        return {key: str(label) for key, label in MATRIX_LABELS.items()}


class MatrixDrawing:
    """The matrix in every language, drawn while the job goes on: PNG, SVG and the SVG with the IROs ("" without).

    The first language's figure is drawn here (its labels' placement is the slow part, and every language reuses
    it); the rest is rendered in a forked child (materiality/forked.py) while this process renders the first PNG
    and the job computes its sensitivity: on two cores the four to six images cost about half their time.
    `iros` (an esrs-1 run's esrs_scoring.iro_positions) adds the IRO figure, on axes that take the IROs in, so
    that the page can switch between the two and the topics stay where they were.
    """

    def __init__(self, scores: pd.DataFrame, topics: list[Topic], params: ScoringParams,
                 iros: pd.DataFrame | None = None) -> None:
        # Imported here: matplotlib, adjustText and SciPy take half a second to load, which every other
        # management command and web process would pay at start-up.
        from materiality import forked, matrix

        by_code = {t.code: t for t in topics}
        if iros is not None:
            iros = iros.assign(pillar=[by_code[c].pillar for c in iros["topic"]])
        frames = {language: scores.assign(pillar=[by_code[c].pillar for c in scores.index],
                                          name=[by_code[c].name_for(language) for c in scores.index])
                  for language in MATRIX_LANGUAGES}
        labels = {language: matrix_labels(language) for language in MATRIX_LANGUAGES}
        first, *others = MATRIX_LANGUAGES
        figure = matrix.draw(frames[first], scale=params.scale, major=params.major, important=params.important,
                             labels=labels[first], placed=None, reach=iros)
        placed = matrix.label_positions(figure)  # the same labels in the same places in every language

        def svgs(fig: object, language: str) -> tuple[str, str]:
            svg, with_iros = matrix.render(fig, "svg").decode(), ""
            if iros is not None:
                matrix.add_iros(fig, iros, labels[language])
                with_iros = matrix.render(fig, "svg").decode()
            return svg, with_iros

        def the_rest() -> dict[str, tuple[bytes | None, str, str]]:
            rest: dict[str, tuple[bytes | None, str, str]] = {first: (None, *svgs(figure, first))}
            for language in others:
                fig = matrix.draw(frames[language], scale=params.scale, major=params.major,
                                  important=params.important, labels=labels[language], placed=placed, reach=iros)
                rest[language] = (matrix.render(fig, "png"), *svgs(fig, language))
            return rest

        self.child = forked.Child(the_rest)
        self.first, self.first_png = first, matrix.render(figure, "png")

    def images(self) -> dict[str, tuple[bytes, str, str]]:
        """Wait for the child's images and return {language: (PNG, SVG, SVG with the IROs or "")}."""
        rest = self.child.result()
        _none, svg, with_iros = rest[self.first]
        return {**rest, self.first: (self.first_png, svg, with_iros)}  # type: ignore[dict-item]

    def close(self) -> None:
        """Abandon the drawing (the job failed before it needed the images)."""
        self.child.close()


class NoDrawing:
    """A run without images (`aggregate --no-matrix`, the tests that do not look at them)."""

    def images(self) -> dict[str, tuple[bytes | None, str, str]]:
        return {language: (None, "", "") for language in MATRIX_LANGUAGES}

    def close(self) -> None:
        pass


def drawing_or_none(draw: bool, scores: pd.DataFrame, topics: list[Topic], params: ScoringParams,
                    iros: pd.DataFrame | None = None) -> MatrixDrawing | NoDrawing:
    """Start drawing the matrix when the run draws it (the rest of the job goes on meanwhile)."""
    return MatrixDrawing(scores, topics, params, iros) if draw else NoDrawing()


def matrix_images(scores: pd.DataFrame, topics: list[Topic], params: ScoringParams,
                  iros: pd.DataFrame | None = None) -> dict[str, tuple[bytes, str, str]]:
    """Draw the matrix in every language and wait for it (MatrixDrawing, for a caller with nothing to do meanwhile)."""
    with contextlib.closing(MatrixDrawing(scores, topics, params, iros)) as drawing:
        return drawing.images()


def topic_score_rows(run_id: int, scores: pd.DataFrame, by_code: dict[str, Topic], moved: pd.DataFrame,
                     has_previous: bool, horizons: pd.DataFrame | None = None) -> list[TopicScore]:
    """Build a run's TopicScore rows from a ranked topic table (either method) and its year-over-year movement."""
    value = scoring.finite_or_none
    counts_by_topic = (horizons if horizons is not None else pd.DataFrame()).reindex(
        columns=list(scoring.HORIZONS), fill_value=0)
    rows = []
    for code, row in scores.iterrows():
        counts = counts_by_topic.loc[code] if code in counts_by_topic.index else None
        mv = moved.loc[code]
        rows.append(TopicScore(
            run_id=run_id, topic=by_code[code], impact=value(row["impact"]), financial=value(row["financial"]),
            combined=value(row["combined"]), n_impact=int(row["n_impact"]), n_financial=int(row["n_financial"]),
            impact_low=value(row["impact_low"]), impact_high=value(row["impact_high"]),
            financial_low=value(row["financial_low"]), financial_high=value(row["financial_high"]),
            classification=row["classification"], rank=int(row["rank"]), is_borderline=bool(row["is_borderline"]),
            influence_period=row["influence_period"],
            horizon_short=int(counts["short"]) if counts is not None else 0,
            horizon_medium=int(counts["medium"]) if counts is not None else 0,
            horizon_long=int(counts["long"]) if counts is not None else 0,
            is_new=bool(mv["is_new"]) if has_previous else False,
            previous_topics=mv["previous_topics"] or "" if has_previous else "",
            previous_impact=value(mv["previous_impact"]), previous_financial=value(mv["previous_financial"]),
            previous_combined=value(mv["previous_combined"]),
            previous_classification=mv["previous_classification"] or "" if has_previous else "",
        ))
    return rows


def mark_succeeded(lease: runs.Lease, checksum: str, respondents: int, changes: dict[str, list[tuple[str, str, str]]],
                   images: dict[str, tuple[bytes | None, str, str]]) -> None:
    """Flag the leased run succeeded with its record (inside the transaction that writes its rows)."""
    done = lease.rows().update(
        status=ScoreRun.Status.SUCCEEDED, stage="done", progress=100, finished_at=timezone.now(),
        heartbeat_at=timezone.now(), input_checksum=checksum, respondents=respondents,
        sensitivity={k: [list(c) for c in v] for k, v in changes.items()},
        matrix_png=images["en"][0], matrix_svg=images["en"][1],
        matrix_png_zh=images["zh-hans"][0], matrix_svg_zh=images["zh-hans"][1],
        matrix_iros_svg=images["en"][2], matrix_iros_svg_zh=images["zh-hans"][2],
    )
    if not done:
        raise RuntimeError("the run was no longer this worker's when its results were ready (failed or taken over)")


def run_aggregation(run_id: int, *, draw: bool = True) -> None:
    """Claim the run (queued, or running under a dead lease) and compute it with a heartbeat beating.

    On any error the run is failed with the reason (if this claim still holds it) and the error re-raised.
    Raises runs.RunBusy when a live worker holds the run.
    """
    lease = runs.claim(run_id)
    if lease is None:
        return  # gone or finished
    try:
        with runs.heartbeat(lease):
            method = ScoreRun.objects.values_list("method", flat=True).get(pk=run_id)
            COMPUTE[method](lease, draw=draw)
    except Exception as exc:
        if lease.rows().update(status=ScoreRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000],
                               finished_at=timezone.now()):
            audit.record(None, "run.fail", object_type="ScoreRun", after={"run": run_id, "error": f"{exc}"[:500]})
        log.exception("score run %s failed", run_id)
        raise


def compute(lease: runs.Lease, *, draw: bool = True) -> None:
    """Score the leased run and store its results; the final write succeeds only while the lease holds."""
    run_id = lease.run_id
    run = ScoreRun.objects.select_related("assessment").get(pk=run_id)
    assessment = run.assessment
    params = ScoringParams.from_json(run.params)
    topics = list(assessment.library.topics.exclude(change_kind=Topic.Change.RETIRED).order_by("position", "code"))
    topic_by_id = {t.pk: t for t in topics}
    all_topic_codes = dict(assessment.library.topics.values_list("pk", "code"))
    group_codes = dict(StakeholderGroup.objects.values_list("pk", "code"))

    raw = rating_statistics(assessment.pk)
    # Answers to a topic the group was not asked (none can be given or imported) would count nowhere.
    raw = raw[scoring.asked_mask(raw["group_id"].map(group_codes), raw["topic_ref"].map(all_topic_codes), params.asked)]
    stats, horizons = long_stats(raw, group_codes, all_topic_codes)
    stats = stats[stats["topic"].isin([t.code for t in topics])]
    respondents = Response.objects.filter(assessment=assessment, status=Response.Status.SUBMITTED,
                                          excluded_at=None).count()
    set_stage(lease, "scoring", 35)

    codes = [t.code for t in topics]
    scores = scoring.score(stats, params, codes)
    scores["influence_period"] = scoring.influence_period(horizons).reindex(scores.index).fillna("")
    with contextlib.closing(drawing_or_none(draw, scores, topics, params)) as drawing:
        per_group = scoring.group_means(stats)
        set_stage(lease, "sensitivity", 55)
        changes = scoring.sensitivity(stats, params, scores)
        previous, lineage = previous_scores(assessment)
        moved = scoring.movement(scores, previous, lineage).reindex(scores.index)
        checksum = scoring.input_checksum(stats, horizons.reindex([c for c in codes if c in horizons.index]),
                                          asked=params.asked)
        set_stage(lease, "matrix", 70)
        images = drawing.images()
    set_stage(lease, "saving", 90)

    by_code = {t.code: t for t in topic_by_id.values()}
    topic_rows = topic_score_rows(run_id, scores, by_code, moved, bool(previous.shape[0]), horizons)
    value = scoring.finite_or_none
    group_ids = {code: pk for pk, code in group_codes.items()}
    wide = per_group.pivot_table(index=["group", "topic"], columns="dimension", values=["n", "mean", "variance"],
                                 aggfunc="first", dropna=False) if len(per_group) else None
    group_rows = []
    if wide is not None:
        for (group, topic), row in wide.iterrows():
            if topic not in by_code or (group in params.asked and topic not in params.asked[group]):
                continue  # the pivot fills every (group, topic) pair: a pair not asked has no row ("not asked")
            cell = row.to_dict()
            group_rows.append(GroupScore(
                run_id=run_id, group_id=group_ids[group], topic=by_code[topic],
                n_impact=int(value(cell.get(("n", "impact"))) or 0), impact=value(cell.get(("mean", "impact"))),
                impact_variance=value(cell.get(("variance", "impact"))),
                n_financial=int(value(cell.get(("n", "financial"))) or 0),
                financial=value(cell.get(("mean", "financial"))),
                financial_variance=value(cell.get(("variance", "financial"))),
            ))

    # Results appear all at once: rows and the SUCCEEDED flag commit together, or not at all.
    with transaction.atomic():
        TopicScore.objects.bulk_create(topic_rows)
        GroupScore.objects.bulk_create(group_rows, batch_size=2000)
        mark_succeeded(lease, checksum, respondents, changes, images)
        audit.record(None, "run.succeed", run, assessment=assessment, after={
            "checksum": checksum, "respondents": respondents,
            "classes": {c: int((scores["classification"] == c).sum()) for c in ("major", "important", "general")}})


from materiality import esrs_aggregation  # noqa: E402  (it uses this module's stages and matrix; no cycle at call time)

COMPUTE = {scoring.METHOD: compute, esrs_aggregation.esrs_scoring.METHOD: esrs_aggregation.compute}
