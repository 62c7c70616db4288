"""The step-3 pre-fill takes value chain, risks and opportunities (and, for esrs-1, the groups) from the IROs."""

from __future__ import annotations

from django.urls import reverse

from materiality import services
from materiality.iro_models import Iro
from materiality.models import Assessment, RegisterEntry
from stakeholders.models import StakeholderGroup
from tests.conftest import client_for


def iros_for(assessment, topic, group) -> None:
    Iro.objects.create(assessment=assessment, topic=topic, code=f"{topic.code}-R1", kind="risk", upstream=True,
                       title_en="Raw-material prices swing")
    opportunity = Iro.objects.create(assessment=assessment, topic=topic, code=f"{topic.code}-O1", kind="opportunity",
                                     downstream=True, title_en="Recycling services")
    opportunity.groups.add(group)


def test_value_chain_risks_and_opportunities_come_from_the_iro_register(scored, work_team_user):
    assessment = scored.assessment
    (first, _cls), (second, _c2) = services.register_topics(assessment)[:2]
    group = StakeholderGroup.objects.order_by("-position").first()
    iros_for(assessment, first.topic, group)
    services.prefill_register(assessment, acting_user=work_team_user)
    entry = RegisterEntry.objects.get(topic=first.topic)
    assert (entry.upstream, entry.own_operations, entry.downstream) == (True, False, True)
    assert entry.risks == "Raw-material prices swing" and entry.opportunities == "Recycling services"
    other = RegisterEntry.objects.get(topic=second.topic)
    assert not other.value_chain and other.risks == "" and other.opportunities == ""
    html = client_for(work_team_user).get(reverse("materiality:register", kwargs={"slug": assessment.slug})).content
    page = html.decode()
    assert "Pre-fill: 2 IROs in the register." in page and "No IRO for this topic" in page
    assert 'id="prefill-sources"' in page and "breadcrumb" in page
    assert f'data-incomplete="{second.topic.code}"' in page and f'data-incomplete="{first.topic.code}"' not in page
    assert ">Major<" in page or ">Important<" in page


def test_esrs_1_takes_the_groups_the_iros_name(scored, work_team_user):
    assessment = scored.assessment
    Assessment.objects.filter(pk=assessment.pk).update(method="esrs-1")
    assessment.refresh_from_db()
    first = services.register_topics(assessment)[0][0]
    group = StakeholderGroup.objects.order_by("-position").first()
    iros_for(assessment, first.topic, group)
    assert services.prefill_values(assessment, first)["stakeholder_groups"] == [group.code]
