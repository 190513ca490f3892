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
    assert backend.describe() == "http://127.0.0.1:11434/v1"


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
