"""Building blocks."""
from .conv_lstm import ConvLSTMCell
from .cue_peaks import extract_cue_points, pose_cue_points
from .hint_blocks import FeedbackBlock, InstanceCueBlock
from .mimb import MIMB, one_hot_selector
from .part_localizer import PartLocalizer
from .person_decoder import PersonDecoder

__all__ = [
    'FeedbackBlock', 'InstanceCueBlock', 'MIMB', 'extract_cue_points',
    'one_hot_selector', 'pose_cue_points', 'ConvLSTMCell', 'PartLocalizer',
    'PersonDecoder'
]
