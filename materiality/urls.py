"""Project URLs: log-in and admin, the language switch, and each app's pages."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from materiality import api
from materiality.views import (
    audit_log,
    chapter,
    committee,
    home,
    imports,
    iros,
    library,
    organisation,
    rate,
    raters,
    register,
    results,
)

app_patterns = [
    # issue library
    path("library/", library.library_list, name="library_list"),
    path("library/new/", library.library_create, name="library_create"),
    path("library/<int:year>/", library.library_detail, name="library_detail"),
    path("library/<int:year>/clone/", library.library_clone, name="library_clone"),
    path("library/<int:year>/publish/", library.library_publish, name="library_publish"),
    path("library/<int:year>/changes/", library.library_changes, name="library_changes"),
    path("library/<int:year>/export.<str:fmt>", library.library_export, name="library_export"),
    path("library/<int:year>/import/", library.library_import, name="library_import"),
    path("library/<int:year>/topics/new/", library.topic_create, name="topic_create"),
    path("library/<int:year>/topics/<str:code>/edit/", library.topic_edit, name="topic_edit"),
    path("library/<int:year>/topics/<str:code>/retire/", library.topic_retire, name="topic_retire"),
    path("library/<int:year>/topics/<str:code>/move/", library.topic_move, name="topic_move"),
    path("library/<int:year>/topics/<str:code>/restore/", library.topic_restore, name="topic_restore"),
    path("library/<int:year>/topics/<str:code>/delete/", library.topic_delete, name="topic_delete"),
    # audit trail
    path("audit/", audit_log.audit_list, name="audit_list"),
    path("audit/export.<str:fmt>", audit_log.audit_export, name="audit_export"),
    path("audit/verify/", audit_log.audit_verify, name="audit_verify"),
    # scoring results and offline answers (issue 4)
    path("assessments/<slug:slug>/results/", results.results, name="results"),
    path("assessments/<slug:slug>/runs/", results.run_start, name="run_start"),
    path("assessments/<slug:slug>/runs/<int:run_id>/status/", results.run_status, name="run_status"),
    path("assessments/<slug:slug>/runs/<int:run_id>/matrix.<str:fmt>", results.run_matrix, name="run_matrix"),
    path("assessments/<slug:slug>/export.<str:fmt>", results.results_export, name="results_export"),
    path("assessments/<slug:slug>/import/", imports.import_responses, name="import_responses"),
    # committee review, confirmation, step-3 register and report pack (issue 5)
    path("assessments/<slug:slug>/committee/", committee.committee, name="committee"),
    path("assessments/<slug:slug>/committee/comments/", committee.comment_add, name="comment_add"),
    path("assessments/<slug:slug>/committee/topics/<str:code>/class/", committee.override_set, name="override_set"),
    path("assessments/<slug:slug>/committee/decision/", committee.approval_record, name="approval_record"),
    path("assessments/<slug:slug>/committee/confirm/", committee.confirm, name="confirm"),
    path("assessments/<slug:slug>/committee/reopen/", committee.reopen, name="reopen"),
    path("assessments/<slug:slug>/register/", register.register, name="register"),
    path("assessments/<slug:slug>/register/prefill/", register.register_prefill, name="register_prefill"),
    path("assessments/<slug:slug>/register/<str:code>/", register.register_edit, name="register_edit"),
    path("assessments/<slug:slug>/pack.zip", committee.pack, name="pack"),
    # the materiality chapter of the ESG report (issue 13)
    path("assessments/<slug:slug>/chapter-<str:language>.<str:fmt>", chapter.chapter_download, name="chapter"),
    # the IRO register and its evidence, and the topic page (issue 12)
    path("assessments/<slug:slug>/iros/", iros.iro_list, name="iro_list"),
    path("assessments/<slug:slug>/iros/new/", iros.iro_create, name="iro_create"),
    path("assessments/<slug:slug>/iros/import/", iros.iro_import, name="iro_import"),
    path("assessments/<slug:slug>/iros/export.<str:fmt>", iros.iro_export, name="iro_export"),
    path("assessments/<slug:slug>/iro/<str:code>/", iros.iro_detail, name="iro_detail"),
    path("assessments/<slug:slug>/iro/<str:code>/edit/", iros.iro_edit, name="iro_edit"),
    path("assessments/<slug:slug>/iro/<str:code>/delete/", iros.iro_delete, name="iro_delete"),
    path("assessments/<slug:slug>/iro/<str:code>/evidence/", iros.evidence_add, name="evidence_add"),
    path("assessments/<slug:slug>/iro/<str:code>/evidence/<int:pk>/", iros.evidence_download, name="evidence_download"),
    path("assessments/<slug:slug>/iro/<str:code>/evidence/<int:pk>/delete/", iros.evidence_delete,
         name="evidence_delete"),
    path("assessments/<slug:slug>/iro/<str:code>/evidence/<int:pk>/note/", iros.evidence_note, name="evidence_note"),
    path("library/<int:year>/topics/<str:code>/", iros.topic_detail, name="topic_detail"),
    # which company is asking (issue 14.4)
    path("organisation/", organisation.organisation_edit, name="organisation"),
    path("organisation/logo", organisation.organisation_logo, name="organisation_logo"),
    # raters of the IROs and their secret-link rating page (issue 12.2)
    path("assessments/<slug:slug>/raters/", raters.rater_list, name="rater_list"),
    path("assessments/<slug:slug>/raters/reminders/", raters.rater_reminders, name="rater_reminders"),
    path("assessments/<slug:slug>/raters/<int:pk>/resend/", raters.rater_resend, name="rater_resend"),
    path("assessments/<slug:slug>/raters/<int:pk>/remove/", raters.rater_remove, name="rater_remove"),
    path("rate/<str:token>/", rate.rate, name="rate"),
    path("rate/<str:token>/draft/", rate.rate_draft, name="rate_draft"),
    path("rate/<str:token>/thanks/", rate.rate_thanks, name="rate_thanks"),
    path("api/", include(api.urlpatterns)),
]

urlpatterns = [
    path("", home.home, name="home"),
    # Browsers ask for /favicon.ico whatever the page says; answer with the static icon instead of a 404.
    path("favicon.ico", home.favicon),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("", include((app_patterns, "materiality"))),
    path("stakeholders/", include("stakeholders.urls")),
    path("", include("surveys.urls")),
]

# MEDIA_ROOT holds IRO evidence, served only through a view that checks the role (views/iros.py): never publicly.
