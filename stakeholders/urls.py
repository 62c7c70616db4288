from django.urls import path

from stakeholders import views

app_name = "stakeholders"
urlpatterns = [
    path("", views.group_list, name="group_list"),
    path("groups/new/", views.group_create, name="group_create"),
    path("groups/<slug:group>/", views.group_detail, name="group_detail"),
    path("groups/<slug:group>/edit/", views.group_edit, name="group_edit"),
    path("groups/<slug:group>/delete/", views.group_delete, name="group_delete"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/new/", views.contact_create, name="contact_create"),
    path("contacts/import/", views.contact_import, name="contact_import"),
    path("contacts/template.<str:fmt>", views.contact_template, name="contact_template"),
    path("contacts/export.<str:fmt>", views.contact_export, name="contact_export"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("contacts/<int:pk>/anonymise/", views.contact_anonymise, name="contact_anonymise"),
]
