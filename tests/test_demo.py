"""demo/image_demo.py: inputs, outputs, and every bad-input case."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import mmengine
import numpy as np
import pytest
from conftest import REPO_ROOT
from PIL import Image

DEMO = osp.join(REPO_ROOT, 'demo', 'image_demo.py')
BASELINE = osp.join(REPO_ROOT, 'configs', 'baseline',
                    'td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py')


def _load_demo():
    spec = importlib.util.spec_from_file_location('image_demo', DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


demo = _load_demo()


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.apis import init_model
    init_default_scope('mmpose')
    path = str(tmp_path_factory.mktemp('ckpt') / 'pose.pth')
    model = init_model(Config.fromfile(BASELINE), None, device='cpu')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


@pytest.fixture()
def inputs(tiny_synth, tmp_path):
    """A folder of one good synthetic image, its grayscale, RGBA and 16-bit
    versions, a truncated JPEG, a text file named like an image, and a
    non-image file."""
    ann = osp.join(tiny_synth, 'annotations', 'person_keypoints_val.json')
    with open(ann) as f:
        first = json.load(f)['images'][0]['file_name']
    src = cv2.imread(osp.join(tiny_synth, 'val', first))
    folder = tmp_path / 'images'
    folder.mkdir()
    cv2.imwrite(str(folder / first), src)
    gray = cv2.cvtColor(src, cv2.COLOR_BGR2GRAY)
    cv2.imwrite(str(folder / 'gray.png'), gray)
    rgba = np.dstack([src[..., ::-1], np.full(gray.shape, 128, np.uint8)])
    Image.fromarray(rgba, 'RGBA').save(folder / 'rgba.png')
    cv2.imwrite(str(folder / 'deep16.png'), gray.astype(np.uint16) * 257)
    data = open(folder / first, 'rb').read()
    open(folder / 'truncated.jpg', 'wb').write(data[:len(data) // 3])
    open(folder / 'fake.jpg', 'w').write('not an image')
    open(folder / 'notes.txt', 'w').write('hello')
    return dict(folder=str(folder), ann=ann, first=first)


def _run(args, capsys):
    code = demo.main(args)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_folder_with_bad_images(inputs, checkpoint, tmp_path, capsys):
    out_dir = str(tmp_path / 'out')
    args = [
        inputs['folder'], '--pose-config', BASELINE, '--pose-checkpoint',
        checkpoint, '--gt-boxes', inputs['ann'], '--out-dir', out_dir,
        '--bbox-thr', '0'
    ]
    code, log = _run(args, capsys)
    assert code == 1  # some images failed ...
    assert 'skipping' in log and 'notes.txt' in log
    assert 'truncated.jpg' in log and 'fake.jpg' in log
    # ... and the others were all processed
    assert '4 of 6 images done' in log
    pictures = sorted(os.listdir(osp.join(out_dir, 'vis')))
    assert pictures == sorted(
        [inputs['first'], 'deep16.png', 'gray.png', 'rgba.png'])
    results = mmengine.load(
        osp.join(out_dir, 'results.json'), file_format='json')
    # only the original is in the annotations (--gt-boxes gives the others
    # no boxes; the conversions are tested in test_utils/test_image_io.py)
    assert {r['file_name'] for r in results} == {inputs['first']}
    assert not [f for f in os.listdir(out_dir) if 'partial' in f]
    for r in results:
        assert len(r['keypoints']) == 17 * 3

    # existing outputs are not overwritten silently
    before = open(osp.join(out_dir, 'results.json')).read()
    with pytest.raises(SystemExit) as e:
        demo.main(args)
    assert e.value.code == 2
    assert 'already exist' in capsys.readouterr().err
    assert open(osp.join(out_dir, 'results.json')).read() == before
    code, _ = _run(args + ['--overwrite'], capsys)
    assert code == 1


def test_missing_input_exits_nonzero_naming_it(tmp_path):
    proc = subprocess.run([
        sys.executable, DEMO, 'MISSING.jpg', '--out-dir',
        str(tmp_path / 'o')
    ],
                          capture_output=True,
                          text=True,
                          cwd=tmp_path)
    assert proc.returncode != 0
    assert 'MISSING.jpg' in proc.stderr
    assert not osp.exists(tmp_path / 'o')


def test_folder_without_images_and_empty_list(tmp_path, capsys):
    folder = tmp_path / 'docs'
    folder.mkdir()
    (folder / 'a.txt').write_text('x')
    with pytest.raises(SystemExit) as e:
        demo.main([str(folder)])
    assert e.value.code == 2
    assert 'holds no images' in capsys.readouterr().err
    lst = tmp_path / 'list.txt'
    lst.write_text('# nothing\n\n')
    with pytest.raises(SystemExit):
        demo.main([str(lst)])
    assert 'names no images' in capsys.readouterr().err


def test_list_file_zero_detections_and_results_json(inputs, checkpoint,
                                                    tmp_path, capsys):
    lst = tmp_path / 'list.txt'
    lst.write_text(f'images/{inputs["first"]}  # relative to the list\n')
    dets = tmp_path / 'dets.json'
    dets.write_text('[]')
    out_dir = str(tmp_path / 'out')
    code, log = _run([
        str(lst), '--pose-config', BASELINE, '--pose-checkpoint', checkpoint,
        '--bboxes',
        str(dets), '--ann-file', inputs['ann'], '--out-dir', out_dir
    ], capsys)
    assert code == 0 and '1 of 1 images done, 0 poses' in log
    assert mmengine.load(
        osp.join(out_dir, 'results.json'), file_format='json') == []
    assert osp.isfile(osp.join(out_dir, 'vis', inputs['first']))
    with pytest.raises(SystemExit):
        demo.main([
            str(lst), '--bboxes',
            str(dets), '--out-dir', out_dir, '--overwrite', '--pose-config',
            BASELINE
        ])
    assert '--bboxes needs --ann-file' in capsys.readouterr().err


def test_checkpoint_mismatch_is_a_clear_error(inputs, tmp_path, capsys):
    import torch
    from mmengine.config import Config
    from mmpose.apis import init_model
    cfg = Config.fromfile(BASELINE)
    cfg.model.head.out_channels = 14
    bad = str(tmp_path / 'crowdpose.pth')
    torch.save(
        dict(state_dict=init_model(cfg, None, device='cpu').state_dict()), bad)
    with pytest.raises(SystemExit) as e:
        demo.main([
            inputs['folder'], '--pose-config', BASELINE, '--pose-checkpoint',
            bad, '--out-dir',
            str(tmp_path / 'o')
        ])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert 'crowdpose.pth' in err and 'does not match config' in err


def test_results_json_scores_with_cocoeval(tiny_synth, tmp_path):
    """The demo's COCO results format: ground-truth poses written through it
    score AP 1 with COCOeval against their own annotations."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    ann, = [osp.join(tiny_synth, 'annotations', 'person_keypoints_val.json')]
    gt = COCO(ann)
    results = []
    for img_id in gt.getImgIds():
        anns = gt.loadAnns(gt.getAnnIds(imgIds=img_id))
        kpts = np.array([a['keypoints'] for a in anns],
                        np.float32).reshape(len(anns), -1, 3)
        xywh = np.array([a['bbox'] for a in anns], np.float32)
        result = dict(
            keypoints=kpts[..., :2],
            keypoint_scores=np.ones(kpts.shape[:2]),
            scores=np.ones(len(anns)),
            bboxes=np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], 1),
            box_index=np.arange(len(anns)),
            instance_index=np.zeros(len(anns), int),
            cue_points=np.full((len(anns), 2), np.nan))
        results += demo.to_coco(result, img_id, 'x.jpg')
    path = str(tmp_path / 'results.json')
    mmengine.dump(results, path, file_format='json')
    ev = COCOeval(gt, gt.loadRes(path), 'keypoints')
    ev.params.useSegm = None
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    assert ev.stats[0] == pytest.approx(1.0)


def _synth_folder(tiny_synth, tmp_path):
    ann = osp.join(tiny_synth, 'annotations', 'person_keypoints_val.json')
    return osp.join(tiny_synth, 'val'), ann


def test_interrupted_folder_run_resumes_where_it_stopped(
        tiny_synth, checkpoint, tmp_path, capsys, monkeypatch):
    """Results stream to results.jsonl as images finish: an interruption
    loses at most the image in flight, results.json is never half-written,
    and --resume runs only the rest, ending with what one clean run
    writes."""
    folder, ann = _synth_folder(tiny_synth, tmp_path)
    n = len([f for f in os.listdir(folder) if f.endswith('.jpg')])
    common = [
        folder, '--pose-config', BASELINE, '--pose-checkpoint', checkpoint,
        '--gt-boxes', ann, '--bbox-thr', '0', '--images-per-batch', '2',
        '--workers', '0'
    ]
    clean_dir = str(tmp_path / 'clean')
    assert _run(common + ['--out-dir', clean_dir], capsys)[0] == 0
    clean = mmengine.load(
        osp.join(clean_dir, 'results.json'), file_format='json')

    out_dir = str(tmp_path / 'out')
    drawn = []
    real_draw = demo.draw

    def interrupted_draw(vis, img, result, thr, path):
        if len(drawn) == 2:
            raise KeyboardInterrupt  # Ctrl-C during the third image
        drawn.append(path)
        real_draw(vis, img, result, thr, path)

    monkeypatch.setattr(demo, 'draw', interrupted_draw)
    with pytest.raises(KeyboardInterrupt):
        demo.main(common + ['--out-dir', out_dir])
    stream = osp.join(out_dir, 'results.jsonl')
    assert len(open(stream).read().splitlines()) == 2
    assert not osp.exists(osp.join(out_dir, 'results.json'))
    # a line cut short by a kill is dropped, not trusted
    with open(stream, 'a') as f:
        f.write('{"path": "cut sh')

    monkeypatch.setattr(demo, 'draw', real_draw)
    with pytest.raises(SystemExit) as e:  # outputs exist: say how to go on
        demo.main(common + ['--out-dir', out_dir])
    assert e.value.code == 2 and '--resume' in capsys.readouterr().err
    code, log = _run(common + ['--out-dir', out_dir, '--resume'], capsys)
    assert code == 0
    assert f'resuming: 2 of {n} images already done' in log
    assert f'{n} of {n} images done' in log
    assert f'this run: {n - 2} images' in log
    resumed = mmengine.load(
        osp.join(out_dir, 'results.json'), file_format='json')
    key = (lambda r: (r['file_name'], r['box_index'], r['instance_index']))
    assert sorted(resumed, key=key) == sorted(clean, key=key)
    assert len(open(stream).read().splitlines()) == n
    assert sorted(os.listdir(osp.join(out_dir, 'vis'))) == sorted(
        os.listdir(osp.join(clean_dir, 'vis')))
