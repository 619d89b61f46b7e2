"""The main job's quickstart on a tiny synthetic set: both models, the
table from the crowd benchmark's code, the picture, and the reuse path."""
import importlib.util
import json
import os.path as osp

from conftest import REPO_ROOT


def _quickstart():
    spec = importlib.util.spec_from_file_location(
        'quickstart', osp.join(REPO_ROOT, 'tools', 'analysis',
                               'quickstart.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_quickstart_trains_both_then_reuses_them(tiny_synth, tmp_path):
    qs = _quickstart()
    work = str(tmp_path / 'qs')
    argv = ['--data-root', tiny_synth, '--work-dir', work, '--epochs', '1']
    first = qs.main(argv)
    assert set(first['models']) == {'stock', 'mipnet'}
    for r in first['models'].values():
        assert 0 <= r['ap_all'] <= 1 and 0 <= r['ap_crowded'] <= 1
        assert r['pair_boxes'] > 0  # the tiny set is all overlapping pairs
    assert osp.isfile(first['picture'])
    with open(osp.join(work, 'results.json')) as f:
        assert json.load(f)['models'] == first['models']
    ckpts = {
        name: osp.join(work, f'quickstart_{name}_1e_s0', 'epoch_1.pth')
        for name in ('stock', 'mipnet')
    }
    stamps = {name: osp.getmtime(p) for name, p in ckpts.items()}

    # a second run trains nothing and gives the same figures
    second = qs.main(argv)
    assert {n: osp.getmtime(p) for n, p in ckpts.items()} == stamps
    assert second['models'] == first['models']
    assert all(s < 5 for s in second['train_s'].values())

    # --retrain trains both again
    qs.main(argv + ['--retrain'])
    assert all(osp.getmtime(p) > stamps[n] for n, p in ckpts.items())


def test_the_picture_needs_a_second_pose_on_the_other_person():
    """The picture's image is one where a λ = 1 pose lands on the other
    person of a two-person image (OKS >= 0.5, the benchmark's rule)."""
    import numpy as np
    qs = _quickstart()

    def ann(x0):
        kpts = np.zeros((17, 3))
        kpts[:, 0] = x0 + np.arange(17) * 3.0
        kpts[:, 1] = 50 + np.arange(17) * 5.0
        kpts[:, 2] = 2
        return dict(keypoints=kpts.ravel().tolist(), area=4000.0)

    anns = [ann(10), ann(60)]
    sigmas = np.full(17, 0.05)

    def pose(a):
        return np.asarray(a['keypoints']).reshape(17, 3)[:, :2]

    scores = np.ones(17)
    own_only = [(pose(anns[0]), scores, 0, 0), (pose(anns[0]), scores, 1, 0)]
    assert not qs.finds_second_person(own_only, anns, sigmas)
    second = [(pose(anns[0]), scores, 0, 0), (pose(anns[1]), scores, 1, 0)]
    assert qs.finds_second_person(second, anns, sigmas)
    # the other person found by λ = 0 of the other box is not a second pose
    other_box = [(pose(anns[1]), scores, 0, 1)]
    assert not qs.finds_second_person(other_box, anns, sigmas)
    assert not qs.finds_second_person(second, anns[:1], sigmas)
