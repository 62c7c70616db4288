from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from surveys import tally

        post_save.connect(tally.recount_after_loading, sender="surveys.SubmittedTally",
                          dispatch_uid="surveys-tally-recount-after-loading")
