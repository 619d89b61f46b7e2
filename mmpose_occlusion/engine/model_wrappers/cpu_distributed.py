"""Data-parallel training in processes without a CUDA device.

MMEngine 0.10.7's ``Runner.wrap_model`` gives ``MMDistributedDataParallel``
``device_ids=[LOCAL_RANK]``, a CUDA device index; on a CPU, PyTorch's DDP
needs ``device_ids=None``. And it keeps SyncBN layers (or converts BN to
SyncBN when ``cfg.sync_bn`` is set), but ``SyncBatchNorm`` has no CPU kernel.

``CPUDistributedDataParallel`` is ``MMDistributedDataParallel`` with both
fixed: it ignores ``device_ids`` and reverts SyncBN to BatchNorm (MMEngine's
``revert_sync_batchnorm``) before wrapping. The training tools select it
where no CUDA device exists (see :mod:`mmpose_occlusion.utils.launch`)::

    model_wrapper_cfg = dict(type='CPUDistributedDataParallel',
                             broadcast_buffers=False,
                             find_unused_parameters=False)

It is registered in MMEngine's root ``MODEL_WRAPPERS`` (next to
``MMDistributedDataParallel``), not MMPose's: ``Runner.wrap_model`` looks the
type up with ``MODEL_WRAPPERS.get``, which ignores the default scope.
"""
import torch.nn as nn
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmengine.registry import MODEL_WRAPPERS

__all__ = ['CPUDistributedDataParallel']


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for CPU processes (gloo backend).

    Args:
        module (nn.Module): the model, on the CPU.
        device_ids: ignored (the Runner passes ``[LOCAL_RANK]``); DDP runs
            with ``device_ids=None``, on the module's own device.
        **kwargs: ``DistributedDataParallel``'s (``broadcast_buffers``,
            ``find_unused_parameters``, ...).
    """

    def __init__(self, module: nn.Module, device_ids=None, **kwargs):
        super().__init__(
            module=revert_sync_batchnorm(module), device_ids=None, **kwargs)
