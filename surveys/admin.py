from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from materiality.admin import FreezeAdmin
from surveys.models import Invitation, Questionnaire, Rating, Response

RATING_COLUMNS = ["severity", "likelihood", "magnitude", "financial_likelihood", "horizon", "comment"]


@admin.register(Questionnaire)
class QuestionnaireAdmin(FreezeAdmin):
    list_display = ["title_en", "assessment", "opens_at", "closes_at"]


@admin.register(Invitation)
class InvitationAdmin(FreezeAdmin):
    list_display = ["questionnaire", "contact", "group", "status", "sent_at"]
    list_filter = ["status", "group"]
    exclude = ["token_hash"]
    audit_withheld = ("token_hash",)  # its description names the contact


class EstimatedCountPaginator(Paginator):
    """Count an unfiltered list from the planner's row estimate: an exact count of every response of every cycle
    grows with the years (issue 16); a filtered list (one cycle, a search) is counted exactly through its index."""

    @cached_property
    def count(self) -> int:
        query = self.object_list.query
        if connection.vendor == "postgresql" and not query.where:
            table = connection.ops.quote_name(self.object_list.model._meta.db_table)
            with connection.cursor() as cursor:  # a table never analysed (-1) is counted, in the same query
                cursor.execute(f"SELECT CASE WHEN reltuples > 0 THEN reltuples::bigint ELSE (SELECT count(*) FROM "
                               f"{table}) END FROM pg_class WHERE oid = %s::regclass", [table])
                return int(cursor.fetchone()[0])
        return super().count


@admin.register(Response)
class ResponseAdmin(FreezeAdmin):
    list_display = ["respondent_key", "assessment", "group", "status", "source", "submitted_at"]
    list_filter = ["assessment", "status", "source", "group"]
    list_select_related = ["assessment", "group"]
    # Newest first along the primary key: the model's (assessment, pk) ordering sorted the whole table.
    ordering = ["-pk"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False  # "n of N" would count every response again
    search_fields = ["respondent_key"]
    audit_withheld = ("respondent_key",)  # an open link's browser secret
    readonly_fields = ["rating_table"]

    @admin.display(description=_("ratings"))
    def rating_table(self, obj: Response) -> str:
        """Show the ratings read-only: they are evidence for an assured report (and the admin cannot edit a model
        keyed by (response, topic))."""
        if obj.pk is None:
            return "–"
        ratings = obj.ratings.select_related("topic").order_by("topic__position", "topic__code")
        header = format_html_join("", "<th>{}</th>", [(_("topic"),)] + [
            (Rating._meta.get_field(c).verbose_name,) for c in RATING_COLUMNS])
        rows = format_html_join("", "<tr><td>{}</td>" + "<td>{}</td>" * len(RATING_COLUMNS) + "</tr>", (
            [r.topic.code, *(rating_value(r, c) for c in RATING_COLUMNS)] for r in ratings))
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", header, rows)


def rating_value(rating: Rating, column: str) -> object:
    value = getattr(rating, column)
    if value in (None, ""):
        return _("Don't know") if column in rating.dont_know else "–"
    return value
