"""Background jobs of the service agent."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task(retries=1, retry_delay=60)
def retrain_models_task() -> list[str]:
    """Retrain the agent's models for the training files and the pack in force (after a pack
    with new names or aliases is published), into var/; requests pick them up when they land."""
    from beiyang.agent import nlu

    return [str(nlu.retrain_cached(kind).key) for kind in nlu.KINDS]
