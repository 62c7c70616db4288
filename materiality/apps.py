from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaterialityConfig(AppConfig):
    name = "materiality"
    verbose_name = _("Materiality")
