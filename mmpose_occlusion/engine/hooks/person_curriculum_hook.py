"""Curriculum on the number of people the sequential decoder is taught
(the sequential-decoder paper, §5.1): "we train the network to predict at most
two people until convergence, then increase the maximum number of people by 1
every two epochs".

The hook owns one number, the limit M, and writes it into the head's
``max_train_people`` before every epoch (``SequentialDecoderHead``: an image
with P > M people is taught its best-matched M people and no stop step).

- M starts at ``start`` (2).
- The first phase ends ("the loss settles") at the end of epoch
  ``settle_epoch`` when it is given, otherwise at the end of the first epoch
  whose mean training loss improved on the previous epoch's by less than
  ``settle_tol`` (relative).
- From then on M grows by one: at once, then every ``interval`` (2) epochs,
  up to ``max_people`` (None: no cap).

The state (M, when it settled, the last epoch loss) is saved in checkpoints,
so ``resume`` continues the same curriculum. Under distributed training the
epoch-mean loss is all-reduced over the ranks before the plateau test, so
every rank takes the same decision and trains with the same limit.
"""
from typing import Optional

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

__all__ = ['PersonCurriculumHook']


@HOOKS.register_module()
class PersonCurriculumHook(Hook):
    """Grow the most people per training image over the epochs.

    Args:
        start (int): the limit of the first phase (2).
        interval (int): epochs between increments after it (2).
        settle_epoch (int, optional): end the first phase after this many
            epochs; None detects the plateau with ``settle_tol``.
        settle_tol (float): relative improvement of the epoch-mean loss
            below which the loss counts as settled.
        max_people (int, optional): cap on the limit.
    """

    priority = 'NORMAL'

    def __init__(self,
                 start: int = 2,
                 interval: int = 2,
                 settle_epoch: Optional[int] = None,
                 settle_tol: float = 0.05,
                 max_people: Optional[int] = None):
        if start < 1 or interval < 1:
            raise ValueError(f'start and interval must be >= 1, got start='
                             f'{start}, interval={interval}')
        if max_people is not None and max_people < start:
            raise ValueError(f'max_people ({max_people}) is below start '
                             f'({start})')
        self.start, self.interval = start, interval
        self.settle_epoch, self.settle_tol = settle_epoch, settle_tol
        self.max_people = max_people
        self.limit = start
        self.settled_at: Optional[int] = None  # epochs done when settled
        self.last_loss: Optional[float] = None
        self._loss_sum, self._loss_count = 0.0, 0

    @staticmethod
    def _head(runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        head = getattr(model, 'head', None)
        if not hasattr(head, 'max_train_people'):
            raise TypeError(
                'PersonCurriculumHook needs a model whose head has '
                f'max_train_people (SequentialDecoderHead); got '
                f'{type(head).__name__}. Remove the hook from custom_hooks '
                'for other models')
        return head

    def before_train_epoch(self, runner) -> None:
        self._head(runner).max_train_people = self.limit
        self._loss_sum, self._loss_count = 0.0, 0
        runner.message_hub.update_scalar('train/max_people', self.limit)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if outputs and 'loss' in outputs:
            loss = outputs['loss']
            self._loss_sum += float(
                loss.detach() if hasattr(loss, 'detach') else loss)
            self._loss_count += 1

    def epoch_mean_loss(self) -> Optional[float]:
        """The epoch's mean training loss over every rank's iterations
        (sum and count all-reduced; no-op without distributed training)."""
        totals = torch.tensor([self._loss_sum,
                               float(self._loss_count)],
                              dtype=torch.float64)
        if torch.distributed.is_available() and \
                torch.distributed.is_initialized() and \
                torch.distributed.get_backend() == 'nccl':
            totals = totals.cuda()
        all_reduce(totals, op='sum')
        total, count = totals.tolist()
        return total / count if count else None

    def after_train_epoch(self, runner) -> None:
        done = runner.epoch + 1
        mean = self.epoch_mean_loss()
        if self.settled_at is None and self._settled(done, mean):
            self.settled_at = done
            runner.logger.info(f'PersonCurriculumHook: loss settled after '
                               f'epoch {done}; the limit now grows')
        if mean is not None:
            self.last_loss = mean
        self.limit = self.limit_after(done)

    def _settled(self, done: int, mean: Optional[float]) -> bool:
        if self.settle_epoch is not None:
            return done >= self.settle_epoch
        if mean is None or self.last_loss is None or self.last_loss <= 0:
            return False
        return (self.last_loss - mean) / self.last_loss < self.settle_tol

    def limit_after(self, done: int) -> int:
        """The limit for the epoch after ``done`` finished epochs."""
        if self.settled_at is None:
            return self.start
        limit = self.start + 1 + (done - self.settled_at) // self.interval
        return limit if self.max_people is None else min(
            limit, self.max_people)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['person_curriculum'] = dict(
            limit=self.limit,
            settled_at=self.settled_at,
            last_loss=self.last_loss)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('person_curriculum')
        if state:
            self.limit = state['limit']
            self.settled_at = state['settled_at']
            self.last_loss = state['last_loss']
