"""PersonCurriculumHook: 2 people until the loss settles, then one more
every two epochs (the sequential-decoder paper, §5.1), written into the head,
saved in checkpoints."""
import logging
from types import SimpleNamespace

import pytest
from mmengine.logging import MessageHub

from mmpose_occlusion.engine import PersonCurriculumHook


def _runner():
    head = SimpleNamespace(max_train_people=None)
    return SimpleNamespace(
        model=SimpleNamespace(head=head),
        epoch=0,
        message_hub=MessageHub.get_instance('curriculum'),
        logger=logging.getLogger('curriculum'))


def _run(hook, runner, epoch_losses):
    """Limits seen by the head in each epoch."""
    seen = []
    for epoch, loss in enumerate(epoch_losses):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        seen.append(runner.model.head.max_train_people)
        for _ in range(3):
            hook.after_train_iter(runner, 0, outputs=dict(loss=loss))
        hook.after_train_epoch(runner)
    return seen


def test_fixed_settle_epoch_then_one_more_every_two_epochs():
    hook = PersonCurriculumHook(start=2, interval=2, settle_epoch=2)
    seen = _run(hook, _runner(), [1.0] * 8)
    assert seen == [2, 2, 3, 3, 4, 4, 5, 5]


def test_plateau_detection_and_cap():
    hook = PersonCurriculumHook(
        start=2, interval=2, settle_tol=0.05, max_people=4)
    # improves by 50 %, 40 %, then 2 % (settled after epoch 4)
    losses = [1.0, 0.5, 0.3, 0.294, 0.29, 0.28, 0.27, 0.26, 0.25]
    seen = _run(hook, _runner(), losses)
    assert seen == [2, 2, 2, 2, 3, 3, 4, 4, 4]


def test_state_survives_a_checkpoint():
    runner = _runner()
    hook = PersonCurriculumHook(settle_epoch=1)
    _run(hook, runner, [1.0] * 3)
    ckpt = {}
    hook.before_save_checkpoint(runner, ckpt)
    fresh = PersonCurriculumHook(settle_epoch=1)
    fresh.after_load_checkpoint(runner, ckpt)
    assert (fresh.limit, fresh.settled_at) == (hook.limit, hook.settled_at)
    assert fresh.limit == 4


def test_clear_errors():
    with pytest.raises(ValueError, match='below start'):
        PersonCurriculumHook(start=3, max_people=2)
    runner = _runner()
    runner.model.head = object()
    with pytest.raises(TypeError, match='SequentialDecoderHead'):
        PersonCurriculumHook().before_train_epoch(runner)


def test_ranks_decide_on_the_all_reduced_loss(monkeypatch):
    """Two ranks whose own losses disagree (rank 0's settle, rank 1's keep
    falling) take the same decision, from the mean over both."""
    import torch

    import mmpose_occlusion.engine.hooks.person_curriculum_hook as mod
    hooks = [PersonCurriculumHook(settle_tol=0.05) for _ in range(2)]
    runners = [_runner(), _runner()]

    def all_reduce(tensor, op='sum'):  # both ranks' sums and counts
        tensor.copy_(
            torch.tensor([
                sum(h._loss_sum for h in hooks),
                float(sum(h._loss_count for h in hooks))
            ],
                         dtype=tensor.dtype))

    monkeypatch.setattr(mod, 'all_reduce', all_reduce)
    losses = [[1.0, 0.99, 0.985], [1.0, 0.5, 0.3]]  # means 1, .745, .643
    for epoch in range(3):
        for hook, runner, loss in zip(hooks, runners, losses):
            runner.epoch = epoch
            hook.before_train_epoch(runner)
            for _ in range(3):
                hook.after_train_iter(
                    runner, 0, outputs=dict(loss=loss[epoch]))
        for hook, runner in zip(hooks, runners):
            hook.after_train_epoch(runner)
    assert hooks[0].settled_at is None and hooks[1].settled_at is None
    assert hooks[0].limit == hooks[1].limit == 2
    assert hooks[0].last_loss == pytest.approx((0.985 + 0.3) / 2)
