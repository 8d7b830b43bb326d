"""Retraining after a pack change runs as a background job; until it lands the old model answers,
and no request trains."""

import pytest

from beiyang.agent import nlu, tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack_changed(monkeypatch, tmp_path, settings):
    """The models in use, then a pack with a new alias (so a new model key)."""
    settings.VAR_DIR = tmp_path
    old = nlu.model("intent")
    monkeypatch.setattr(nlu, "_models", {"intent": (nlu._model_key("intent"), old)})
    monkeypatch.setattr(nlu, "_scheduled", set())
    monkeypatch.setattr(nlu, "_stale_checked", {})
    real_key = nlu._model_key
    monkeypatch.setattr(nlu, "_model_key", lambda kind: "after-publish-" + real_key(kind)[:8])

    def no_training(*args, **kwargs):
        raise AssertionError("a request trained a model")

    monkeypatch.setattr(nlu, "train", no_training)
    scheduled = []
    monkeypatch.setattr(tasks, "retrain_models_task", lambda: scheduled.append("retrain"))
    return old, scheduled


def test_the_old_model_answers_until_the_retrained_one_lands(pack_changed, monkeypatch):
    old, scheduled = pack_changed
    assert nlu.model("intent") is old
    assert nlu.understand("帮我报名周六的路演").intent == "register_event"
    assert nlu.model("intent") is old
    assert scheduled == ["retrain"]  # once, not once a request
    # The job lands: the model trained for the new key is in var/.
    landed = nlu.classifier.Model.load(nlu.SHIPPED / "intent.npz")
    landed.key = nlu._model_key("intent")
    landed.save(nlu._var_dir() / f"intent-{landed.key}.npz")
    monkeypatch.setattr(nlu, "RECHECK_STALE", 0.0)
    now = nlu.model("intent")
    assert now is not old and now.key == landed.key


def test_the_job_trains_every_model_into_var(monkeypatch, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    trained = []

    def train(kind="intent", rows=None):
        trained.append(kind)
        return nlu.classifier.Model.load(nlu.SHIPPED / f"{kind}.npz")

    monkeypatch.setattr(nlu, "train", train)
    keys = tasks.retrain_models_task.call_local()
    assert trained == list(nlu.KINDS) and len(keys) == len(nlu.KINDS)
    assert sorted(p.name.split("-")[0] for p in (tmp_path / "agent").glob("*.npz")) == sorted(nlu.KINDS)
