"""Every page needs a log-in except the few a stakeholder or a logged-out user must reach."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# URL names an anonymous visitor may open (log-in, password reset, language switch, respondent links).
PUBLIC = {
    "login", "password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete",
    "set_language", "logout",
    "materiality:organisation_logo",  # the company's logo on the respondents' pages, who have no account
    "materiality:rate", "materiality:rate_draft", "materiality:rate_thanks",  # raters' links, keyed by their token
}
PUBLIC_PREFIXES = ("surveys:respond", "admin:", "materiality:api-")  # respondent links are keyed by their token;
# admin has its own log-in; the API authenticates itself (session or token): 401/403, see tests/materiality/test_api.py
SAMPLE_KWARGS = {
    "year": 2024, "code": "E01", "slug": "dma-2024", "fmt": "csv", "token": "x" * 43, "pk": 1, "uidb64": "MQ",
    "group": "customers", "run_id": 1, "topic": "E01", "format": "csv", "path": "x", "language": "en",
}


def iter_names(resolver: URLResolver, namespace: str = "") -> list[tuple[str, list[str]]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += iter_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((namespace + entry.name, list(entry.pattern.regex.groupindex)))
    return found


def all_url_names() -> list[tuple[str, tuple[str, ...]]]:
    names = {(n, tuple(k)) for n, k in iter_names(get_resolver())}
    return sorted((n, k) for n, k in names if n not in PUBLIC and not n.startswith(PUBLIC_PREFIXES))


@pytest.mark.django_db
@pytest.mark.parametrize("name,kwargs", all_url_names(), ids=lambda v: v if isinstance(v, str) else "")
def test_anonymous_is_sent_to_log_in(client, name: str, kwargs: tuple[str, ...]) -> None:
    url = reverse(name, kwargs={k: SAMPLE_KWARGS[k] for k in kwargs})
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302, f"{method.__name__.upper()} {url} gave {response.status_code}"
        assert response["Location"].startswith(reverse("login")), response["Location"]


@pytest.mark.django_db
def test_forbidden_page_explains_the_role(committee_user):
    from tests.conftest import client_for

    response = client_for(committee_user).get(reverse("materiality:library_create"))
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()
