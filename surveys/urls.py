"""Staff pages under assessments/, respondent pages under r/<token>/ (public: the token is the key)."""

from django.urls import path

from surveys.views import assessments, invitations, links, respond, tracking

app_name = "surveys"
urlpatterns = [
    path("assessments/", assessments.assessment_list, name="assessment_list"),
    path("assessments/new/", assessments.assessment_create, name="assessment_create"),
    path("assessments/<slug:slug>/", assessments.assessment_detail, name="assessment_detail"),
    path("assessments/<slug:slug>/edit/", assessments.assessment_edit, name="assessment_edit"),
    path("assessments/<slug:slug>/questionnaires/new/", assessments.questionnaire_create, name="questionnaire_create"),
    path("assessments/<slug:slug>/questionnaires/<int:pk>/edit/", assessments.questionnaire_edit,
         name="questionnaire_edit"),
    path("assessments/<slug:slug>/questionnaires/<int:pk>/preview/", assessments.questionnaire_preview,
         name="questionnaire_preview"),
    path("assessments/<slug:slug>/invitations/", invitations.invitation_list, name="invitation_list"),
    path("assessments/<slug:slug>/invitations/send/", invitations.invitation_send, name="invitation_send"),
    path("assessments/<slug:slug>/invitations/remind/", invitations.invitation_remind, name="invitation_remind"),
    path("assessments/<slug:slug>/invitations/<int:pk>/resend/", invitations.invitation_resend,
         name="invitation_resend"),
    path("assessments/<slug:slug>/invitations/open-link/", invitations.open_link_create, name="open_link_create"),
    path("assessments/<slug:slug>/invitations/open-link/qr/", links.open_link_qr, name="open_link_qr"),
    path("assessments/<slug:slug>/invitations/open-link/poster/", links.open_link_poster, name="open_link_poster"),
    path("assessments/<slug:slug>/invitations/links/", links.links_download, name="links_download"),
    path("assessments/<slug:slug>/invitations/<int:pk>/link/", links.personal_link, name="personal_link"),
    path("assessments/<slug:slug>/responses/", tracking.response_tracking, name="response_tracking"),
    path("assessments/<slug:slug>/responses/live/", tracking.response_rates_live, name="response_rates_live"),
    path("assessments/<slug:slug>/responses/<int:pk>/", tracking.response_detail, name="response_detail"),
    path("assessments/<slug:slug>/responses/<int:pk>/exclude/", tracking.response_exclude, name="response_exclude"),
    path("assessments/<slug:slug>/responses/<int:pk>/include/", tracking.response_include, name="response_include"),
    # respondents: no account; names start with "respond" so the permission test treats them as public
    path("r/<str:token>/", respond.respond, name="respond"),
    path("r/<str:token>/questions/", respond.respond_form, name="respond_form"),
    path("r/<str:token>/draft/", respond.respond_draft, name="respond_draft"),
    path("r/<str:token>/thanks/", respond.respond_thanks, name="respond_thanks"),
    path("r/<str:token>/session/", respond.respond_session, name="respond_session"),
]
