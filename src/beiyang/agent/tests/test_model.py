"""The shipped models are exactly what the shipped training files give, and the understanding
keeps to the public dev set."""

import numpy as np
import pytest

from beiyang.agent import classifier, nlu

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def corpus_inputs(django_db_setup, django_db_blocker):
    """Every message the project holds (training and held out), as the models read it."""
    paths = [*nlu.TRAINING_FILES, *sorted((nlu.HERE / "corpus").glob("heldout*.jsonl"))]
    texts = list(dict.fromkeys(r["text"] for r in classifier.read_rows(paths)))
    with django_db_blocker.unblock():  # the pack in force names the policies
        return [(nlu.features(t, nlu.CORPUS_DATE)[0], nlu.embed(nlu.normalise(t))) for t in texts]


@pytest.mark.parametrize("kind", nlu.KINDS)
def test_retraining_reproduces_the_shipped_model(kind, corpus_inputs):
    """The committed model is what the committed files train, not weights edited by hand. L-BFGS
    stops at its iteration cap and the BLAS kernels differ from one CPU to another, so a model
    trained on another machine differs in the third decimal (0.012 at most, seen between two
    machines); what must not differ is any answer, nor any confidence by more than a little."""
    shipped = classifier.Model.load(nlu.SHIPPED / f"{kind}.npz")
    assert shipped.key == nlu._model_key(kind), "retrain with `beiyang agent train` and commit"
    fresh = nlu.train(kind)
    assert shipped.labels == fresh.labels and shipped.vocab == fresh.vocab
    np.testing.assert_allclose(shipped.weights, fresh.weights.astype(np.float32), atol=0.05)
    differ = []
    for feats, dense in corpus_inputs:
        before, after = shipped.predict_features(feats, dense), fresh.predict_features(feats, dense)
        if before.label != after.label or abs(before.confidence - after.confidence) > 0.05:
            differ.append((feats[:3], before, after))
    assert differ == []


def test_the_held_out_split_is_not_trained_on():
    assert not any("heldout" in str(p) for p in nlu.TRAINING_FILES)


def test_the_dev_set_is_understood_in_full():
    rows = classifier.read_rows([nlu.HERE / "training" / "dev-set.jsonl"])
    wrong = [
        r["text"]
        for r in rows
        if (u := nlu.understand(r["text"], nlu.CORPUS_DATE)).intent != r["intent"] or u.slots != r["slots"]
    ]
    assert wrong == []
