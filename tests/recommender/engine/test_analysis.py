import numpy as np

from recommender.engine import Document, EngineConfig
from recommender.engine.analysis import Analyzer, fold_word
from recommender.engine.vectorizer import fit_space
from tests.support.engine_corpus import synthetic_documents


def test_fold_word():
    assert fold_word("curls") == "curl"
    assert fold_word("exercises") == "exercise"
    assert fold_word("bodies") == "body"
    assert fold_word("press") == "press"
    assert fold_word("biceps") == "bicep"
    assert fold_word("abs") == "abs"
    assert fold_word("cafés") == "cafés"


def test_terms_lowercase_drop_stop_words_and_make_bigrams():
    analyzer = Analyzer(EngineConfig())
    assert analyzer.terms("The Barbell Curls of doom") == [
        "barbell",
        "curl",
        "doom",
        "barbell curl",
        "curl doom",
    ]
    assert analyzer.words("東京タワー abc") == ["東", "京", "タ", "ワ", "ー", "abc"]
    assert analyzer.terms("東京")[-1] == "東 京"


def test_batch_fit_and_single_document_transform_agree():
    documents = synthetic_documents(50) + [
        Document(
            900,
            title="Front Squats",
            intro="Legs!",
            body="squat deep, squat slow",
            tags=["legs", "barbell work"],
            categories=["Strength"],
        ),
    ]
    config = EngineConfig(min_df=1)
    space, matrix = fit_space(documents, config)
    single = space.transform(documents)
    assert np.allclose(matrix.toarray(), single.toarray(), atol=1e-6)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
    assert np.allclose(norms, 1.0, atol=1e-5)


def test_tags_do_not_make_bigrams_across_tags():
    space, _ = fit_space(
        [Document(1, tags=["body only", "strength"]), Document(2, tags=["body only", "strength"])],
        EngineConfig(min_df=1),
    )
    terms = {space.term(column) for column in range(space.n_features)}
    assert "body strength" not in terms and "only strength" not in terms
