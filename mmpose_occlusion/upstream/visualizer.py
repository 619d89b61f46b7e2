"""MMPose's ``PoseLocalVisualizer``, working on numpy >= 2.4.

MMPose 1.3.2 passes circle radii as 1-element arrays
(``radius=np.array([self.radius])``) and its OpenCV backend calls
``int(radius)`` on them, which numpy 2.4 refuses ("only 0-dimensional arrays
can be converted to Python scalars"). :class:`OcclusionPoseVisualizer` is the
stock visualizer with that one conversion done first; use it in configs as
``visualizer = dict(type='OcclusionPoseVisualizer', ...)``.
"""
import numpy as np
from mmpose.registry import VISUALIZERS
from mmpose.visualization import PoseLocalVisualizer

__all__ = ['OcclusionPoseVisualizer']


@VISUALIZERS.register_module()
class OcclusionPoseVisualizer(PoseLocalVisualizer):
    """``PoseLocalVisualizer`` whose OpenCV backend accepts array radii."""

    def draw_circles(self, center, radius, *args, **kwargs):
        if self.backend == 'opencv':
            radius = np.asarray(radius)
            if radius.size != 1:
                raise ValueError('the OpenCV backend draws one circle at a '
                                 f'time; got {radius.size} radii')
            radius = float(radius.reshape(()))
        return super().draw_circles(center, radius, *args, **kwargs)
