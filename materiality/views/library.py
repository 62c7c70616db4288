"""Issue library pages for the ESG work team (the committee may look but not change)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from materiality import iros, library_csv, services
from materiality.forms import CloneForm, ImportForm, LibraryForm, RetireForm, TopicForm
from materiality.models import IssueLibrary, Topic
from materiality.tables import TableError, read_table, write_csv, write_xlsx
from materiality.uploads import problem_lines, table_error_message
from materiality.views.downloads import attachment

PILLAR_ORDER = {"E": 0, "S": 1, "G": 2}


def topics_by_pillar(topics: list[Topic]) -> list[tuple[str, str, list[Topic]]]:
    """Group topics E, S, G (the report's order) as (code, label, topics, active count)."""
    labels = dict(Topic.Pillar.choices)
    return [(p, labels[p], [t for t in topics if t.pillar == p], sum(t.pillar == p and not t.is_retired for t in topics))
            for p in PILLAR_ORDER]


@permission_required("materiality.view_issuelibrary", raise_exception=True)
def library_list(request: HttpRequest) -> HttpResponse:
    libraries = IssueLibrary.objects.select_related("cloned_from").order_by("-year")
    return render(request, "materiality/library_list.html", {
        "libraries": libraries, "templates": services.shipped_templates(),
    })


@permission_required("materiality.add_issuelibrary", raise_exception=True)
def library_create(request: HttpRequest) -> HttpResponse:
    form = LibraryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        library = form.save()
        messages.success(request, _("Library %(year)s created. Add topics or import them.") % {"year": library.year})
        return redirect("materiality:library_detail", year=library.year)
    return render(request, "materiality/form_page.html", {"form": form, "title": _("New issue library")})


@permission_required("materiality.view_issuelibrary", raise_exception=True)
def library_detail(request: HttpRequest, year: int) -> HttpResponse:
    library = get_object_or_404(IssueLibrary, year=year)
    topics = list(library.topics.prefetch_related("predecessors").order_by("position", "code"))
    iro_assessment, iro_counts = iros.iro_counts(library)
    for topic in topics:
        topic.iro_count = iro_counts.get(topic.pk, 0)  # type: ignore[attr-defined]
    return render(request, "materiality/library_detail.html", {
        "library": library, "iro_assessment": iro_assessment,
        "pillars": topics_by_pillar(topics),
        "active_count": sum(not t.is_retired for t in topics),
        "can_edit": not library.is_published and request.user.has_perm("materiality.change_topic"),
    })


@permission_required("materiality.add_issuelibrary", raise_exception=True)
def library_clone(request: HttpRequest, year: int) -> HttpResponse:
    source = get_object_or_404(IssueLibrary, year=year)
    form = CloneForm(request.POST or None, source=source)
    if request.method == "POST" and form.is_valid():
        library = services.clone_library(
            source, year=form.cleaned_data["year"], name=form.cleaned_data["name"], acting_user=request.user
        )
        messages.success(request, _("Cloned %(old)s into %(new)s. Edit the topics, then publish.")
                         % {"old": source.year, "new": library.year})
        return redirect("materiality:library_detail", year=library.year)
    return render(request, "materiality/form_page.html", {
        "form": form, "title": _("Clone the %(year)s library") % {"year": source.year},
        "intro": _("Every topic is copied with a link back to this year's topic, so renames and merges "
                   "show in the changes view. Retired topics are left behind."),
    })


@require_POST
@permission_required("materiality.publish_issuelibrary", raise_exception=True)
def library_publish(request: HttpRequest, year: int) -> HttpResponse:
    library = get_object_or_404(IssueLibrary, year=year)
    try:
        published = services.publish_library(library, acting_user=request.user)
    except services.EmptyLibrary as exc:
        messages.error(request, str(exc))
        return redirect("materiality:library_detail", year=year)
    if published:
        messages.success(request, _("The %(year)s library is published and now read-only.") % {"year": year})
    else:
        messages.info(request, _("The %(year)s library was already published.") % {"year": year})
    return redirect("materiality:library_detail", year=year)


@permission_required("materiality.view_issuelibrary", raise_exception=True)
def library_changes(request: HttpRequest, year: int) -> HttpResponse:
    library = get_object_or_404(IssueLibrary, year=year)
    rows = services.library_changes(library)
    only_changed = request.GET.get("only") == "changed"
    if only_changed:
        rows = [r for r in rows if r.kind != Topic.Change.UNCHANGED]
    rows.sort(key=lambda r: (PILLAR_ORDER[(r.after or r.before[0]).pillar], r.after is None,
                             (r.after or r.before[0]).position))
    return render(request, "materiality/library_changes.html", {
        "library": library, "previous": library.previous(), "rows": rows,
        "changed": sum(r.kind != Topic.Change.UNCHANGED for r in rows), "only_changed": only_changed,
    })


@permission_required("materiality.view_issuelibrary", raise_exception=True)
def library_export(request: HttpRequest, year: int, fmt: str) -> HttpResponse:
    library = get_object_or_404(IssueLibrary, year=year)
    header, rows = services.export_topics(library)
    if fmt == "csv":
        return attachment(write_csv(header, rows), f"library-{year}.csv", "text/csv; charset=utf-8")
    if fmt == "xlsx":
        return attachment(write_xlsx(header, rows, title=f"Library {year}"), f"library-{year}.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    messages.error(request, _("Export as csv or xlsx."))
    return redirect("materiality:library_detail", year=year)


@permission_required("materiality.add_topic", raise_exception=True)
def library_import(request: HttpRequest, year: int) -> HttpResponse:
    library = get_object_or_404(IssueLibrary, year=year)
    if library.is_published:
        messages.error(request, _("The %(year)s library is published and read-only. Clone it to change it.")
                       % {"year": year})
        return redirect("materiality:library_detail", year=year)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created, updated = services.import_topics(
                library, read_table(upload.read(), upload.name, library_csv.LIMITS), acting_user=request.user
            )
        except TableError as exc:
            errors = [table_error_message(exc)]
        except services.ImportRefused as exc:
            errors = problem_lines(exc.errors)
        else:
            messages.success(request, _("Imported: %(created)d new topics, %(updated)d updated.")
                             % {"created": created, "updated": updated})
            return redirect("materiality:library_detail", year=year)
    return render(request, "materiality/library_import.html", {"library": library, "form": form, "errors": errors})


def _topic_form_page(request: HttpRequest, library: IssueLibrary, topic: Topic | None) -> HttpResponse:
    if library.is_published:
        messages.error(request, _("The %(year)s library is published and read-only. Clone it to change it.")
                       % {"year": library.year})
        return redirect("materiality:library_detail", year=library.year)
    form = TopicForm(request.POST or None, instance=topic, library=library)
    if request.method == "POST" and form.is_valid():
        saved = services.save_topic(
            form.save(commit=False), predecessors=form.cleaned_data["predecessors"], acting_user=request.user
        )
        messages.success(request, _("Saved %(code)s %(name)s.") % {"code": saved.code, "name": saved.name_en})
        return redirect("materiality:library_detail", year=library.year)
    title = _("Edit %(code)s") % {"code": topic.code} if topic else _("New topic")
    return render(request, "materiality/form_page.html", {"form": form, "title": title, "library": library})


@permission_required("materiality.add_topic", raise_exception=True)
def topic_create(request: HttpRequest, year: int) -> HttpResponse:
    return _topic_form_page(request, get_object_or_404(IssueLibrary, year=year), None)


@permission_required("materiality.change_topic", raise_exception=True)
def topic_edit(request: HttpRequest, year: int, code: str) -> HttpResponse:
    topic = get_object_or_404(Topic, library__year=year, code=code)
    return _topic_form_page(request, topic.library, topic)


def _topic_action(request: HttpRequest, year: int, code: str, action: Callable[[Topic], None], done: str) -> HttpResponse:
    """Run one library action on a topic; a refusal (published library, topic in use) becomes a message."""
    topic = get_object_or_404(Topic, library__year=year, code=code)
    try:
        action(topic)
    except (services.LibraryLocked, services.TopicInUse) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done % {"code": code})
    return redirect("materiality:library_detail", year=year)


@require_POST
@permission_required("materiality.change_topic", raise_exception=True)
def topic_retire(request: HttpRequest, year: int, code: str) -> HttpResponse:
    form = RetireForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["note"]))
        return redirect("materiality:library_detail", year=year)
    note = form.cleaned_data["note"]
    return _topic_action(request, year, code, lambda t: services.retire_topic(t, note=note, acting_user=request.user),
                         _("%(code)s is retired."))


@require_POST
@permission_required("materiality.change_topic", raise_exception=True)
def topic_restore(request: HttpRequest, year: int, code: str) -> HttpResponse:
    return _topic_action(request, year, code, lambda t: services.restore_topic(t, acting_user=request.user),
                         _("%(code)s is back in the library."))


@require_POST
@permission_required("materiality.delete_topic", raise_exception=True)
def topic_delete(request: HttpRequest, year: int, code: str) -> HttpResponse:
    return _topic_action(request, year, code, lambda t: services.delete_topic(t, acting_user=request.user),
                         _("%(code)s is deleted."))


@require_POST
@permission_required("materiality.change_topic", raise_exception=True)
def topic_move(request: HttpRequest, year: int, code: str) -> HttpResponse:
    topic = get_object_or_404(Topic, library__year=year, code=code)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, _("Move a topic up or down."))
    else:
        try:
            services.move_topic(topic, direction, acting_user=request.user)
        except services.LibraryLocked as exc:
            messages.error(request, str(exc))
    return redirect(reverse("materiality:library_detail", args=[year]) + f"#topic-{code}")
