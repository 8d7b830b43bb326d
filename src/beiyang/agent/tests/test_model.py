"""The shipped models are exactly what the shipped training files give, and the understanding
keeps to the public dev set."""

import numpy as np
import pytest

from beiyang.agent import classifier, nlu

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", nlu.KINDS)
def test_retraining_reproduces_the_shipped_model(kind):
    shipped = classifier.Model.load(nlu.SHIPPED / f"{kind}.npz")
    assert shipped.key == nlu._model_key(kind), "retrain with `beiyang agent train` and commit"
    fresh = nlu.train(kind)
    assert shipped.labels == fresh.labels and shipped.vocab == fresh.vocab
    np.testing.assert_allclose(shipped.weights, fresh.weights.astype(np.float32), atol=1e-4)


def test_the_held_out_split_is_not_trained_on():
    assert not any("heldout" in str(p) for p in nlu.TRAINING_FILES)


def test_the_dev_set_is_understood_in_full():
    rows = classifier.read_rows([nlu.HERE / "training" / "dev-set.jsonl"])
    wrong = [
        r["text"]
        for r in rows
        if (u := nlu.understand(r["text"])).intent != r["intent"] or u.slots != r["slots"]
    ]
    assert wrong == []
