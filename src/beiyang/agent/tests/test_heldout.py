"""Held-out hygiene: no held-out text, normalised, nor a near-duplicate of one (similarity 0.9 or
more), is in any training file; the files the model learns from (the dev set and our phrasings
among them) are never scored as held out."""

import pytest

from beiyang.agent import heldout, nlu
from beiyang.agent.management.commands.agent import HELD_OUT

HELD_OUT_FILES = sorted((nlu.HERE / "corpus").glob("heldout*.jsonl"))


def test_every_held_out_file_is_scored_and_none_is_trained():
    assert sorted(HELD_OUT) == HELD_OUT_FILES
    trained = {p.resolve() for p in nlu.TRAINING_FILES}
    assert not trained & {p.resolve() for p in HELD_OUT}
    # The dev set and our own phrasings are learned from, so never reported as unseen.
    assert nlu.HERE / "training" / "dev-set.jsonl" in nlu.TRAINING_FILES
    assert nlu.HERE / "tests" / "phrasings.jsonl" in nlu.TRAINING_FILES


@pytest.mark.parametrize("path", HELD_OUT_FILES, ids=lambda p: p.name)
def test_no_held_out_text_or_near_duplicate_is_in_training(path):
    found = heldout.leaks(heldout.texts([path]), heldout.texts(nlu.TRAINING_FILES))
    # Only the training side is shown: a held-out text is never printed.
    assert [(train, ratio) for _held, train, ratio in found] == []


def test_a_leak_is_found_however_it_is_written():
    training = ["我们公司在徐汇,能申请算力券吗?"]
    assert heldout.leaks(["我們公司在徐匯 能申請算力券嗎"], training)  # traditional, no punctuation
    assert heldout.leaks(["我们公司在徐汇,能申请算力劵吗"], training)  # one character off
    assert not heldout.leaks(["帮我报名周六的路演活动"], training)
