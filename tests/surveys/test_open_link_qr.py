"""An open link's QR code (PNG, SVG, the open_link command's --qr) and its A4 poster (issue 14.5)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
import segno
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from PIL import Image

from materiality.organisation import OrganisationProfile
from stakeholders.models import StakeholderGroup
from surveys import mailing, qr, services
from tests.conftest import client_for


@pytest.fixture
def link(cycle) -> str:
    group = StakeholderGroup.objects.get(code="employees")
    return mailing.link_url(services.open_link(services.questionnaire_for_group(cycle, group), group))


def png_modules(data: bytes) -> list[list[bool]]:
    """Read the dark modules back out of a PNG drawn at qr.PNG_SCALE with a qr.BORDER quiet zone."""
    image = Image.open(io.BytesIO(data)).convert("L")
    scale, border = qr.PNG_SCALE, qr.BORDER
    size = image.width // scale - 2 * border
    assert image.width == image.height == (size + 2 * border) * scale
    half = scale // 2
    return [[image.getpixel(((border + x) * scale + half, (border + y) * scale + half)) < 128 for x in range(size)]
            for y in range(size)]


def reference(url: str) -> list[list[bool]]:
    """The same link encoded independently of surveys.qr: a full QR code, level M or better."""
    code = segno.make_qr(url, error="m")
    return [[bool(v) for v in row] for row in code.matrix]


def test_the_png_carries_exactly_the_link(link, cycle, work_team_user):
    reply = client_for(work_team_user).post(reverse("surveys:open_link_qr", args=[cycle.slug]),
                                            {"link": link, "format": "png"})
    assert reply.status_code == 200 and reply["Content-Type"] == "image/png"
    assert "no-store" in reply["Cache-Control"]
    assert reply["Content-Disposition"] == f'attachment; filename="{cycle.slug}-employees-qr.png"'
    assert png_modules(reply.content) == reference(link)
    assert png_modules(reply.content) != reference(link + "x")  # the comparison can tell links apart


def test_the_svg_draws_the_same_code(link, cycle, work_team_user):
    reply = client_for(work_team_user).post(reverse("surveys:open_link_qr", args=[cycle.slug]),
                                            {"link": link, "format": "svg"})
    assert reply.status_code == 200 and reply["Content-Type"] == "image/svg+xml"
    svg = ET.fromstring(reply.content)
    path = svg.find("{http://www.w3.org/2000/svg}path").get("d")
    expected = io.BytesIO()
    segno.make_qr(link, error="m").save(expected, kind="svg", scale=qr.PNG_SCALE, border=qr.BORDER)
    assert path == ET.fromstring(expected.getvalue()).find("{http://www.w3.org/2000/svg}path").get("d")
    assert svg.find("{http://www.w3.org/2000/svg}title").text == link


@pytest.mark.parametrize("posted", [
    "https://elsewhere.example/r/abc/",  # not our site
    "__site__/r/" + "A" * 43 + "/",  # our shape, nobody's secret
    "__personal__",  # a personal link is no open link
])
def test_only_an_open_link_of_this_assessment_is_drawn(link, cycle, work_team_user, posted, sent):
    site = link.split("/r/")[0]
    if posted == "__personal__":
        posted = mailing.link_url(next(iter(sent.values())))
    posted = posted.replace("__site__", site)
    client = client_for(work_team_user)
    for name in ("open_link_qr", "open_link_poster"):
        reply = client.post(reverse(f"surveys:{name}", args=[cycle.slug]), {"link": posted, "format": "png"})
        assert reply.status_code == 400
        assert "not an open link of this assessment" in reply.content.decode()


def test_an_unknown_format_is_refused(link, cycle, work_team_user):
    reply = client_for(work_team_user).post(reverse("surveys:open_link_qr", args=[cycle.slug]),
                                            {"link": link, "format": "gif"})
    assert reply.status_code == 400


def test_the_open_link_page_shows_the_code_and_the_download_buttons(cycle, work_team_user):
    group = StakeholderGroup.objects.get(code="employees")
    html = client_for(work_team_user).post(reverse("surveys:open_link_create", args=[cycle.slug]),
                                           {"group": group.pk}).content.decode()
    assert 'class="qr-code"' in html
    assert reverse("surveys:open_link_qr", args=[cycle.slug]) in html
    assert reverse("surveys:open_link_poster", args=[cycle.slug]) in html


def test_the_poster_names_the_organisation_assessment_link_close_date_and_privacy(link, cycle, work_team_user):
    OrganisationProfile.objects.create(pk=1, name_en="ACME Ltd", name_zh="艾克米公司", privacy_contact="dpo@acme.example")
    cycle.name_zh = "2024年度评估"
    cycle.save()
    client = client_for(work_team_user)
    html = client.post(reverse("surveys:open_link_poster", args=[cycle.slug]), {"link": link}).content.decode()
    assert '<html lang="en">' in html
    assert "ACME Ltd asks Employees which sustainability topics matter most" in html
    assert "艾克米公司 想了解" in html  # the Chinese half
    assert f"<h1>{cycle.name}</h1>" in html and "2024年度评估" in html
    assert link.split("://", 1)[1] in html and 'class="qr-code"' in html
    assert re.search(r"Open until \d{4}-\d\d-\d\d \d\d:\d\d \(UTC[+-]\d\d:\d\d\)\.", html)
    assert "Anonymous: we do not know who answers" in html and "dpo@acme.example" in html
    assert "surveys/poster.css" in html and "https://cdn" not in html
    with translation.override("zh-hans"):
        chinese = client.post(reverse("surveys:open_link_poster", args=[cycle.slug]), {"link": link},
                              HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans">' in chinese
    assert "<h1>2024年度评估</h1>" in chinese and "就可持续发展发表您的意见" in chinese
    assert chinese.index("就可持续发展") < chinese.index("Have your say")  # the page's language first


def test_the_poster_without_an_organisation_profile_still_reads_well(link, cycle, work_team_user):
    html = client_for(work_team_user).post(reverse("surveys:open_link_poster", args=[cycle.slug]),
                                           {"link": link}).content.decode()
    assert "We ask Employees which sustainability topics matter most" in html
    assert "poster-org" not in html


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_the_command_saves_the_printed_links_code(cycle, tmp_path, suffix, capsys):
    target = tmp_path / f"poster.{suffix}"
    call_command("open_link", cycle.slug, "--group", "employees", "--qr", str(target))
    url = capsys.readouterr().out.strip()
    assert url.startswith("http") and "/r/" in url
    if suffix == "png":
        assert png_modules(target.read_bytes()) == reference(url)
    else:
        assert ET.fromstring(target.read_bytes()).find("{http://www.w3.org/2000/svg}title").text == url


def test_the_command_refuses_another_file_type_before_making_a_link(cycle, tmp_path):
    from django.core.management.base import CommandError

    from surveys.models import Invitation

    with pytest.raises(CommandError, match=r"must end in \.png or \.svg"):
        call_command("open_link", cycle.slug, "--group", "employees", "--qr", str(tmp_path / "code.jpg"))
    assert not Invitation.objects.exists()
