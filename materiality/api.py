"""The read-only JSON API: libraries, assessments and confirmed results; session or token auth, role-checked.

Token clients carry no session, so the routes opt out of LoginRequiredMiddleware and DRF authenticates instead.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required, login_required
from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from materiality import services
from materiality.models import Assessment, ClassOverride, IssueLibrary, RegisterEntry, Topic, TopicScore


class ViewPermissions(permissions.DjangoModelPermissions):
    """DjangoModelPermissions checks nothing on GET; here reading needs the model's view permission."""

    perms_map = {**permissions.DjangoModelPermissions.perms_map,
                 "GET": ["%(app_label)s.view_%(model_name)s"], "HEAD": ["%(app_label)s.view_%(model_name)s"]}


class TopicSerializer(serializers.ModelSerializer):
    predecessors = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = Topic
        fields = ["code", "pillar", "name_en", "name_zh", "description_en", "description_zh", "position",
                  "change_kind", "change_note", "predecessors"]


class LibrarySerializer(serializers.ModelSerializer):
    topics = TopicSerializer(many=True, read_only=True)

    class Meta:
        model = IssueLibrary
        fields = ["year", "name", "template", "published_at", "topics"]


class AssessmentSerializer(serializers.ModelSerializer):
    library = serializers.SlugRelatedField(read_only=True, slug_field="year")
    previous = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    weights = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = ["slug", "name", "library", "scale", "major_threshold", "important_threshold", "opens_at",
                  "closes_at", "previous", "required_approvals", "confirmed_at", "weights"]

    def get_weights(self, obj: Assessment) -> dict[str, float]:
        return {ag.group.code: ag.weight for ag in obj.group_weights.all()}


class TopicResultSerializer(serializers.ModelSerializer):
    topic = serializers.CharField(source="topic.code")
    computed_class = serializers.CharField(source="classification")
    committee_class = serializers.SerializerMethodField()
    override_reason = serializers.SerializerMethodField()
    final_class = serializers.SerializerMethodField()

    class Meta:
        model = TopicScore
        fields = ["topic", "rank", "impact", "financial", "combined", "n_impact", "n_financial", "impact_low",
                  "impact_high", "financial_low", "financial_high", "is_borderline", "influence_period",
                  "computed_class", "committee_class", "override_reason", "final_class"]

    def _override(self, obj: TopicScore) -> ClassOverride | None:
        return self.context["overrides"].get(obj.topic_id)  # type: ignore[no-any-return]

    def get_committee_class(self, obj: TopicScore) -> str | None:
        o = self._override(obj)
        return o.new_class if o else None

    def get_override_reason(self, obj: TopicScore) -> str | None:
        o = self._override(obj)
        return o.reason if o else None

    def get_final_class(self, obj: TopicScore) -> str:
        o = self._override(obj)
        return o.new_class if o else obj.classification


class RegisterSerializer(serializers.ModelSerializer):
    topic = serializers.CharField(source="topic.code")

    class Meta:
        model = RegisterEntry
        fields = ["topic", "upstream", "own_operations", "downstream", "stakeholder_groups", "risks", "opportunities",
                  "influence_period"]


class LibraryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = IssueLibrary.objects.prefetch_related("topics__predecessors").order_by("-year")
    serializer_class = LibrarySerializer
    permission_classes = [ViewPermissions]
    lookup_field = "year"


class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Assessment.objects.select_related("library", "previous").prefetch_related("group_weights__group")
    serializer_class = AssessmentSerializer
    permission_classes = [ViewPermissions]
    lookup_field = "slug"

    @extend_schema(responses={200: TopicResultSerializer(many=True)})
    @action(detail=True, url_path="results")
    def results(self, request: Request, slug: str | None = None) -> Response:
        """The confirmed results: computed and committee classes per topic, and the step-3 register."""
        if not request.user.has_perm("materiality.view_results"):
            self.permission_denied(request, message="You need the permission to view results.")
        assessment = self.get_object()
        run = services.latest_succeeded_run(assessment)
        if not assessment.is_confirmed or run is None:
            raise Http404("This assessment has no confirmed results.")
        overrides = {o.topic_id: o for o in ClassOverride.objects.filter(run=run)}
        scores = run.topic_scores.select_related("topic").order_by("rank")
        return Response({
            "assessment": assessment.slug, "confirmed_at": assessment.confirmed_at, "run": run.pk,
            "method": run.method, "params": run.params, "input_checksum": run.input_checksum,
            "respondents": run.respondents,
            "topics": TopicResultSerializer(scores, many=True, context={"overrides": overrides}).data,
            "register": RegisterSerializer(RegisterEntry.objects.filter(assessment=assessment)
                                           .select_related("topic"), many=True).data,
        })


router = SimpleRouter()
router.register("libraries", LibraryViewSet, basename="api-library")
router.register("assessments", AssessmentViewSet, basename="api-assessment")


def _open_to_tokens(patterns: list[Any]) -> list[Any]:
    for pattern in patterns:
        login_not_required(pattern.callback)
    return patterns


urlpatterns = [
    *_open_to_tokens(router.urls),
    *_open_to_tokens([path("schema/", SpectacularAPIView.as_view(), name="api-schema")]),
    # The docs page is for people in a browser session: DRF exempts its views from LoginRequiredMiddleware, so
    # login_required sends a logged-out visitor to the log-in page explicitly. The split view serves Swagger UI's
    # start-up script as a file of its own (?script), which the Content-Security-Policy allows; an inline one it
    # would block.
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="materiality:api-schema")),
         name="api_docs"),
]
