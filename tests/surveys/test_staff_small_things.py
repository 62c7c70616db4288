"""Small things of issue 14.8: the committee tab, a styled open-link select, dates that say their time zone."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.conftest import client_for


def test_the_committee_review_is_a_tab_for_those_who_may_review(cycle, committee_user, work_team_user, outsider):
    url = reverse("materiality:committee", kwargs={"slug": cycle.slug})
    page = client_for(committee_user).get(reverse("surveys:response_tracking", kwargs={"slug": cycle.slug}))
    assert f'href="{url}"' in page.content.decode()
    page = client_for(work_team_user).get(reverse("surveys:assessment_detail", kwargs={"slug": cycle.slug}))
    assert (f'href="{url}"' in page.content.decode()) == work_team_user.has_perm("materiality.review_assessment")


def test_the_open_link_group_select_is_styled(cycle, work_team_user):
    html = client_for(work_team_user).get(reverse("surveys:invitation_list", kwargs={"slug": cycle.slug})).content
    assert b'<select name="group" class="form-select"' in html


def test_closing_times_carry_their_utc_offset_on_the_landing_page_and_in_e_mails(sent, cycle, client):
    closes = timezone.localtime(cycle.questionnaires.first().closes_at)
    offset = closes.strftime("%z")
    expected = f"{closes:%Y-%m-%d %H:%M} (UTC{offset[:3]}:{offset[3:]})"
    token = next(iter(sent.values()))
    assert expected in client.get(reverse("surveys:respond", kwargs={"token": token})).content.decode()
    assert expected in mail.outbox[0].body
    assert expected in mail.outbox[0].alternatives[0][0]
