import pytest

from chat.upstream.backends import Backend


def test_the_settings_name_the_backend(settings):
    settings.STREAMDEMO_MODEL = "gpt-4"
    settings.STREAMDEMO_PROVIDER = None
    settings.STREAMDEMO_BASE_URL = "http://127.0.0.1:11434/v1"

    backend = Backend.from_settings(model=None, provider=None)

    assert (backend.model, backend.provider, backend.base_url) == (
        "gpt-4",
        None,
        "http://127.0.0.1:11434/v1",
    )
    # Visitors are shown where it is, not the URL, which may hold credentials.
    assert backend.describe() == "127.0.0.1:11434"


def test_a_provider_chosen_by_name_answers_instead_of_the_configured_endpoint(settings):
    settings.STREAMDEMO_BASE_URL = "http://127.0.0.1:11434/v1"
    settings.STREAMDEMO_API_KEY = "the-endpoints-own-key"

    backend = Backend.from_settings(model="other-model", provider="PollinationsAI")

    assert (backend.model, backend.provider, backend.base_url) == (
        "other-model",
        "PollinationsAI",
        None,
    )
    assert backend.api_key is None  # the endpoint's key never goes to another provider
    assert backend.describe() == "g4f provider PollinationsAI"


def test_an_endpoint_given_beside_a_provider_is_kept(settings):
    settings.STREAMDEMO_BASE_URL = None

    backend = Backend.from_settings(provider="PollinationsAI", base_url="http://127.0.0.1:8080/v1")

    assert backend.base_url == "http://127.0.0.1:8080/v1"


def test_each_of_several_comma_separated_endpoints_is_a_candidate_in_order():
    backend = Backend(model="m", base_url="http://a/v1, http://b/v1,")

    assert [candidate.base_url for candidate in backend.candidates()] == [
        "http://a/v1",
        "http://b/v1",
    ]
    assert [candidate.label for candidate in Backend(model="m", provider="A,B").candidates()] == [
        "A",
        "B",
    ]


@pytest.mark.parametrize(
    ("base_url", "label"),
    [
        ("https://alice:s3cret@api.example.com/v1", "api.example.com"),
        ("https://api.example.com:8443/v1?key=s3cret&org=o", "api.example.com:8443"),
        ("http://[::1]:8000/v1", "[::1]:8000"),
        ("127.0.0.1:8100/v1", "127.0.0.1:8100"),
    ],
    ids=["user and password", "key in the query", "IPv6", "no scheme"],
)
def test_visitors_see_only_the_host_and_port_of_a_base_url(base_url, label):
    backend = Backend(model="m", base_url=base_url)

    assert backend.label == backend.describe() == label
    assert "s3cret" not in repr(backend)


def test_a_label_named_in_the_settings_stands_for_each_endpoint_in_order(settings):
    settings.STREAMDEMO_BASE_URL = "https://u:p@a.example/v1,https://u:p@b.example/v1"
    settings.STREAMDEMO_BACKEND_LABEL = "Primary, Fallback"

    backend = Backend.from_settings()

    assert [candidate.label for candidate in backend.candidates()] == ["Primary", "Fallback"]
    assert backend.label == "Primary, Fallback"


def test_a_provider_picked_instead_of_the_endpoint_is_named_by_its_own_name(settings):
    settings.STREAMDEMO_BASE_URL = "https://u:p@a.example/v1"
    settings.STREAMDEMO_BACKEND_LABEL = "Our model"

    assert Backend.from_settings(provider="PollinationsAI").label == "PollinationsAI"


def test_the_secrets_of_a_backend_are_its_key_password_and_query():
    backend = Backend(model="m", base_url="https://alice:pw@h.example/v1?key=k1", api_key="sk-2")

    assert set(backend.secrets()) == {"sk-2", "pw", "key=k1", "k1", "YWxpY2U6cHc="}


def test_a_password_counts_as_a_secret_as_written_decoded_and_as_basic_credentials():
    backend = Backend(model="m", base_url="http://alice:p%40ss@127.0.0.1:8080/v1")

    # What g4f sends the backend: `Authorization: Basic base64("alice:p@ss")`.
    assert set(backend.secrets()) == {"p%40ss", "p@ss", "YWxpY2U6cEBzcw=="}


@pytest.mark.parametrize(
    ("base_url", "quoted", "example"),
    [
        ("localhost:11434/v1", "localhost:11434/v1", "localhost:11434/v1"),
        ("http//127.0.0.1:8080/v1", "http//127.0.0.1:8080/v1", "127.0.0.1:8080/v1"),
        ("ftp://bob:pw@h.example/v1?key=k", "ftp://h.example/v1", "h.example/v1"),
    ],
)
def test_a_base_url_without_http_is_quoted_as_written_with_an_example_that_works(
    base_url, quoted, example
):
    problem = Backend(model="m", base_url=base_url).problem()

    assert problem == (
        f"The base URL {quoted!r} must start with http:// or https:// "
        f"(for instance http://{example})."
    )
