"""Models: blocks, backbones and estimators."""
from . import backbones, pose_estimators, utils  # noqa: F401
from .backbones import *  # noqa: F401,F403
from .pose_estimators import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403
