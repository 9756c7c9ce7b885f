"""A misconfigured plugin says what is wrong at startup."""

from recommender.checks import check_settings


def error_ids(settings, **values):
    for name, value in values.items():
        setattr(settings, name, value)
    return [error.id for error in check_settings()]


def test_the_site_configuration_is_clean():
    assert check_settings() == []


def test_missing_page_models_are_reported(settings):
    assert "recommender.E001" in error_ids(settings, RECOMMENDER_PAGE_MODELS=[])


def test_unknown_or_non_page_models_are_reported(settings):
    assert error_ids(settings, RECOMMENDER_PAGE_MODELS=["articles.Nope"]) == ["recommender.E002"]
    assert error_ids(settings, RECOMMENDER_PAGE_MODELS=["articles.Category"]) == [
        "recommender.E002"
    ]


def test_unknown_field_keys_are_reported(settings):
    ids = error_ids(settings, RECOMMENDER_FIELDS={"title": "title", "summary": "intro"})
    assert ids == ["recommender.E003"]
