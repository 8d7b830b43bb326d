"""The benefits engine: policies as data, evaluated with explanations. Plain Python, no Django.

``load_pack`` reads a pack (YAML files), ``evaluate`` answers for one profile,
``evaluate_batch`` for many at once (vectorised with numpy).
"""

from beiyang.policies.engine.errors import PackError, ProfileError
from beiyang.policies.engine.evaluate import Evaluation, PolicyResult, evaluate
from beiyang.policies.engine.pack import Pack, load_pack, load_pack_dir
from beiyang.policies.engine.profile import profile_facts

__all__ = [
    "Evaluation",
    "Pack",
    "PackError",
    "PolicyResult",
    "ProfileError",
    "evaluate",
    "load_pack",
    "load_pack_dir",
    "profile_facts",
]
