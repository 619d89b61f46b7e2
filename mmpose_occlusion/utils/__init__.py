"""Utilities: safe checkpoint loading on torch >= 2.6."""
from .checkpoint import (TRUST_ENV, UntrustedCheckpointError, is_trusted,
                         restricted_getattr,
                         load_from_local, register_checkpoint_loader,
                         safe_checkpoint_globals, trust_checkpoint)

__all__ = [
    'TRUST_ENV', 'UntrustedCheckpointError', 'is_trusted',
    'load_from_local', 'register_checkpoint_loader', 'restricted_getattr',
    'safe_checkpoint_globals', 'trust_checkpoint'
]
