"""The IRO register pages (issue 12): the work team builds the register per assessment; the committee may look.

Evidence files are served only here, after the role check, never from a media address.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from materiality import crosswalk, iros
from materiality.iro_forms import IMPORT_LIMIT_MB, EvidenceFileForm, EvidenceLinkForm, IroFilterForm, IroForm, IroImportForm
from materiality.models import Assessment, AssessmentFrozen, Iro, IroEvidence, Topic
from materiality.tables import TableError, read_table, write_csv, write_xlsx
from materiality.views.downloads import attachment

# A request body this much larger than a form's file limit is refused before Django reads it.
BODY_MARGIN = 64 * 1024


def body_too_large(request: HttpRequest, limit_bytes: int) -> bool:
    """Tell from the declared length whether an upload exceeds its limit, before any of it is read."""
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit_bytes + BODY_MARGIN
    except ValueError:
        return True


def frozen_message(request: HttpRequest, assessment: Assessment) -> HttpResponse | None:
    """Say so and go back to the register when the assessment is confirmed (its register is frozen)."""
    if not assessment.is_confirmed:
        return None
    messages.error(request, str(AssessmentFrozen.MESSAGE))
    return redirect("materiality:iro_list", slug=assessment.slug)


def topics_with_iros(register: list[Iro]) -> list[tuple[Topic, list[Iro]]]:
    grouped: dict[int, tuple[Topic, list[Iro]]] = {}
    for iro in register:
        grouped.setdefault(iro.topic_id, (iro.topic, []))[1].append(iro)
    return list(grouped.values())


@permission_required("materiality.view_iro", raise_exception=True)
def iro_list(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment.objects.select_related("library"), slug=slug)
    form = IroFilterForm(request.GET or None, assessment=assessment)
    register = iros.register(assessment)
    total = register.count()
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            register = register.filter(Q(code__icontains=data["q"]) | Q(title_en__icontains=data["q"])
                                       | Q(title_zh__icontains=data["q"]) | Q(description_en__icontains=data["q"])
                                       | Q(description_zh__icontains=data["q"]))
        for name, lookup in (("topic", "topic__code"), ("kind", "kind"), ("horizon", "horizon")):
            if data[name]:
                register = register.filter(**{lookup: data[name]})
        if data["reassess"]:
            register = register.filter(to_reassess=True)
    shown = list(register)
    return render(request, "materiality/iro_list.html", {
        "assessment": assessment, "form": form, "topics": topics_with_iros(shown), "shown": len(shown),
        "total": total, "filtered": form.is_bound and len(shown) != total,
        "can_edit": request.user.has_perm("materiality.change_iro") and not assessment.is_confirmed,
        "to_reassess": assessment.iros.filter(to_reassess=True).count(),
    })


def _iro(slug: str, code: str) -> Iro:
    return get_object_or_404(Iro.objects.select_related("assessment__library", "topic", "predecessor__assessment"),
                             assessment__slug=slug, code=code)


@permission_required("materiality.view_iro", raise_exception=True)
def iro_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    iro = _iro(slug, code)
    editable = not iro.assessment.is_confirmed
    return render(request, "materiality/iro_detail.html", {
        "assessment": iro.assessment, "iro": iro, "groups": iro.groups.all(), "arises_from": iro.arises_from.all(),
        "gives_rise_to": iro.gives_rise_to.all(), "evidence": iro.evidence.all(),
        "successors": iro.successors.select_related("assessment"),
        "rating_count": iro.ratings.count(), "criteria": [iro.ratings.model._meta.get_field(c).verbose_name
                                                          for c in iro.criteria()],
        "matters": crosswalk.matters_for(iro.topic),
        "file_form": EvidenceFileForm(prefix="file"), "link_form": EvidenceLinkForm(prefix="link"),
        "can_edit": editable and request.user.has_perm("materiality.change_iro"),
        "can_delete": editable and request.user.has_perm("materiality.delete_iro"),
        "can_add_evidence": editable and request.user.has_perm("materiality.add_iroevidence"),
        "can_delete_evidence": editable and request.user.has_perm("materiality.delete_iroevidence"),
        "can_edit_evidence": editable and request.user.has_perm("materiality.change_iroevidence"),
    })


def _iro_form_page(request: HttpRequest, assessment: Assessment, iro: Iro) -> HttpResponse:
    if refused := frozen_message(request, assessment):
        return refused
    if iro.pk is None and request.method == "GET" and request.GET.get("topic"):
        iro.topic = assessment.library.topics.filter(code=request.GET["topic"]).first()  # type: ignore[assignment]
    form = IroForm(request.POST or None, instance=iro, assessment=assessment)
    if request.method == "POST" and form.is_valid():
        try:
            saved = iros.save_iro(form.instance, groups=form.cleaned_data["groups"],
                                  arises_from=form.cleaned_data["arises_from"], acting_user=request.user)
        except (iros.IroRefused, AssessmentFrozen) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved %(code)s.") % {"code": saved.code})
            return redirect("materiality:iro_detail", slug=assessment.slug, code=saved.code)
    title = _("Edit %(code)s") % {"code": iro.code} if iro.pk else _("New impact, risk or opportunity")
    return render(request, "materiality/iro_form.html", {"assessment": assessment, "form": form, "title": title,
                                                          "iro": iro if iro.pk else None})


@permission_required("materiality.add_iro", raise_exception=True)
def iro_create(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment.objects.select_related("library"), slug=slug)
    return _iro_form_page(request, assessment, Iro(assessment=assessment))


@permission_required("materiality.change_iro", raise_exception=True)
def iro_edit(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    iro = _iro(slug, code)
    return _iro_form_page(request, iro.assessment, iro)


@permission_required("materiality.delete_iro", raise_exception=True)
def iro_delete(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    iro = _iro(slug, code)
    back = reverse("materiality:iro_detail", kwargs={"slug": slug, "code": code})
    if refused := frozen_message(request, iro.assessment):
        return refused
    if request.method == "POST":
        try:
            iros.delete_iro(iro, acting_user=request.user)
        except (iros.IroRefused, AssessmentFrozen) as exc:
            messages.error(request, str(exc))
            return redirect(back)
        messages.success(request, _("Deleted %(code)s.") % {"code": code})
        return redirect("materiality:iro_list", slug=slug)
    reasons = []
    if iros.has_ratings(iro):
        reasons.append(_("It has ratings, which would be lost."))
    if iro.gives_rise_to.exists():
        reasons.append(_("%(codes)s arise(s) from it.") % {"codes": ", ".join(i.code for i in iro.gives_rise_to.all())})
    return render(request, "stakeholders/confirm.html", {
        "title": _("Delete %(code)s?") % {"code": code}, "reasons": reasons, "back": back,
        "refused": _("%(code)s cannot be deleted:") % {"code": code},
        "explain": _("The IRO and its evidence are deleted for good; the audit trail keeps what they were."),
        "button": _("Delete %(code)s") % {"code": code},
    })


@permission_required("materiality.add_iro", raise_exception=True)
def iro_import(request: HttpRequest, slug: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment.objects.select_related("library"), slug=slug)
    if refused := frozen_message(request, assessment):
        return refused
    errors: list[str] = []
    if request.method == "POST" and body_too_large(request, IMPORT_LIMIT_MB * 1024 * 1024):
        form = IroImportForm()
        errors = [_("The file is larger than %(size)s MB.") % {"size": IMPORT_LIMIT_MB}]
    else:
        form = IroImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not errors and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created, updated = iros.import_iros(assessment, read_table(upload.read(), upload.name),
                                                acting_user=request.user)
        except TableError as exc:
            errors = [str(exc)]
        except iros.IroImportRefused as exc:
            errors = exc.errors
        except AssessmentFrozen as exc:
            errors = [str(exc)]
        else:
            messages.success(request, _("Imported: %(created)d new IROs, %(updated)d replaced.")
                             % {"created": created, "updated": updated})
            return redirect("materiality:iro_list", slug=slug)
    return render(request, "materiality/iro_import.html", {"assessment": assessment, "form": form, "errors": errors,
                                                            "columns": iros.EXPORT_COLUMNS})


@permission_required("materiality.view_iro", raise_exception=True)
def iro_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    assessment = get_object_or_404(Assessment, slug=slug)
    header, rows = iros.export_iros(assessment)
    if fmt == "csv":
        return attachment(write_csv(header, rows), f"iros-{slug}.csv", "text/csv; charset=utf-8")
    if fmt == "xlsx":
        return attachment(write_xlsx(header, rows, title="IRO register"), f"iros-{slug}.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    messages.error(request, _("Export as csv or xlsx."))
    return redirect("materiality:iro_list", slug=slug)


# --- evidence -------------------------------------------------------------------------------------------------

@require_POST
@permission_required("materiality.add_iroevidence", raise_exception=True)
def evidence_add(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    iro = _iro(slug, code)
    back = reverse("materiality:iro_detail", kwargs={"slug": slug, "code": code}) + "#evidence"
    if refused := frozen_message(request, iro.assessment):
        return refused
    if body_too_large(request, iros.evidence_limit_bytes()):
        messages.error(request, _("The file is larger than %(size)s MB.") % {"size": iros.EVIDENCE_LIMIT_MB})
        return redirect(back)
    is_file = request.POST.get("kind") == "file"
    form = (EvidenceFileForm(request.POST, request.FILES, prefix="file") if is_file
            else EvidenceLinkForm(request.POST, prefix="link"))
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect(back)
    try:
        if is_file:
            iros.add_evidence_file(iro, form.cleaned_data["file"], note=form.cleaned_data["note"],
                                   acting_user=request.user)
        else:
            iros.add_evidence_link(iro, form.cleaned_data["url"], note=form.cleaned_data["note"],
                                   acting_user=request.user)
    except (iros.IroRefused, AssessmentFrozen) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Evidence added to %(code)s.") % {"code": code})
    return redirect(back)


def _evidence(slug: str, code: str, pk: int) -> IroEvidence:
    return get_object_or_404(IroEvidence.objects.select_related("iro__assessment"), pk=pk, iro__code=code,
                             iro__assessment__slug=slug)


@permission_required("materiality.view_iroevidence", raise_exception=True)
def evidence_download(request: HttpRequest, slug: str, code: str, pk: int) -> HttpResponse:
    evidence = _evidence(slug, code, pk)
    if not evidence.is_file:
        raise Http404(_("This evidence is a link, not a file."))
    try:
        stream = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The stored file is missing.")) from None
    response = FileResponse(stream, as_attachment=True, filename=evidence.original_name,
                            content_type=evidence.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@permission_required("materiality.change_iroevidence", raise_exception=True)
def evidence_note(request: HttpRequest, slug: str, code: str, pk: int) -> HttpResponse:
    evidence = _evidence(slug, code, pk)
    back = reverse("materiality:iro_detail", kwargs={"slug": slug, "code": code}) + f"#evidence-{pk}"
    note = request.POST.get("note", "")
    if len(note) > 2000:
        messages.error(request, _("A note is limited to 2000 characters."))
        return redirect(back)
    try:
        iros.save_evidence_note(evidence, note, acting_user=request.user)
    except AssessmentFrozen as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Note saved."))
    return redirect(back)


@permission_required("materiality.delete_iroevidence", raise_exception=True)
def evidence_delete(request: HttpRequest, slug: str, code: str, pk: int) -> HttpResponse:
    evidence = _evidence(slug, code, pk)
    back = reverse("materiality:iro_detail", kwargs={"slug": slug, "code": code}) + "#evidence"
    if refused := frozen_message(request, evidence.iro.assessment):
        return refused
    name = evidence.original_name or evidence.url
    if request.method == "POST":
        try:
            iros.delete_evidence(evidence, acting_user=request.user)
        except AssessmentFrozen as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Removed %(name)s.") % {"name": name})
        return redirect(back)
    return render(request, "stakeholders/confirm.html", {
        "title": _("Remove this evidence?"), "back": back, "button": _("Remove"),
        "explain": _("%(name)s is removed from %(code)s for good; the audit trail keeps its name and SHA-256.")
        % {"name": name, "code": code},
    })


# --- the topic page -------------------------------------------------------------------------------------------

@permission_required("materiality.view_topic", raise_exception=True)
def topic_detail(request: HttpRequest, year: int, code: str) -> HttpResponse:
    topic = get_object_or_404(Topic.objects.select_related("library"), library__year=year, code=code)
    language = get_language()
    entry = crosswalk.entry_for(topic)
    prefix = topic.code + "."
    siblings = list(topic.library.topics.filter(code__startswith=prefix).order_by("position", "code"))
    parent_code = topic.code.rsplit(".", 1)[0] if "." in topic.code else ""
    return render(request, "materiality/topic_detail.html", {
        "library": topic.library, "topic": topic, "entry": entry,
        "matters": [(m, m.path_for(language)) for m in (entry.matters if entry else ())],
        "note": entry.note_for(language) if entry else "",
        "covered_by": crosswalk.topics_covering(topic.code) if topic.library.template == crosswalk.ESRS_TEMPLATE else [],
        "parent": topic.library.topics.filter(code=parent_code).first() if parent_code else None,
        "children": [t for t in siblings if "." not in t.code[len(prefix):]],
        "predecessors": topic.predecessors.select_related("library"),
        "successors": topic.successors.select_related("library"),
        "assessments": iros.topic_iros(topic),
        "can_add": request.user.has_perm("materiality.add_iro"),
    })
