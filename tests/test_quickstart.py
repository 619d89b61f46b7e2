"""The main job's quickstart on a tiny synthetic set: both models, the
table from the crowd benchmark's code, the picture, and the reuse path."""
import importlib.util
import json
import os.path as osp

from conftest import REPO_ROOT


def _quickstart():
    spec = importlib.util.spec_from_file_location(
        'quickstart', osp.join(REPO_ROOT, 'tools', 'quickstart.py'))
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
