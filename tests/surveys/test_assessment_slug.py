"""New assessment: the slug is made from the name unless given under "Advanced"; editing never changes it."""

from __future__ import annotations

from django.urls import reverse

from materiality.models import Assessment
from surveys.forms import derive_slug
from tests.conftest import client_for
from tests.surveys.test_assessment_pages import assessment_post


def create(user, library, **overrides):
    return client_for(user).post(reverse("surveys:assessment_create"), assessment_post(library, **overrides))


def test_an_empty_slug_is_made_from_the_name(library_2024, work_team_user):
    page = create(work_team_user, library_2024, slug="", name="Double materiality 2025")
    assert page.status_code == 302
    assert Assessment.objects.get().slug == "double-materiality-2025"


def test_a_taken_slug_gets_a_number_and_a_chinese_name_a_plain_word(assessment, work_team_user):
    create(work_team_user, assessment.library, slug="", name="DMA 2024")
    create(work_team_user, assessment.library, slug="", name="2025年度重要性评估", opens_at="2031-01-01T09:00",
           closes_at="2031-02-01T09:00")
    assert set(Assessment.objects.values_list("slug", flat=True)) == {"dma-2024", "dma-2024-2", "2025"}
    assert derive_slug("重要性评估", set()) == "assessment"
    assert derive_slug("重要性评估", {"assessment", "assessment-2"}) == "assessment-3"


def test_a_given_slug_is_kept_and_a_bad_one_opens_the_advanced_section(library_2024, work_team_user):
    page = create(work_team_user, library_2024, slug="bad slug!")
    html = page.content.decode()
    assert page.status_code == 200 and "<details class=\"mb-3\" open>" in html and "valid" in html
    assert not Assessment.objects.exists()
    assert create(work_team_user, library_2024, slug="my-cycle").status_code == 302
    assert Assessment.objects.get().slug == "my-cycle"


def test_the_new_page_asks_for_the_slug_only_under_advanced(library_2024, work_team_user):
    html = client_for(work_team_user).get(reverse("surveys:assessment_create")).content.decode()
    details = html.index("<details class=\"mb-3\">")
    assert html.index('name="name"') < details < html.index('name="slug"') < html.index("</details>", details)
