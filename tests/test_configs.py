"""Every config under configs/ loads, and its model builds."""
import glob
import os.path as osp

import pytest
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope

CONFIGS = sorted(
    p for p in glob.glob(
        osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p.split(osp.sep)
    and not osp.basename(p).startswith('crowd-chain_'))
CHAINS = sorted(
    glob.glob(
        osp.join(REPO_ROOT, 'configs', '**', 'crowd-chain_*.py'),
        recursive=True))


def test_there_are_configs():
    assert any(
        p.endswith('td-hm_res18-half_1xb32-6e_synthcrowd-128x96.py')
        for p in CONFIGS)


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO_ROOT) for p in CONFIGS])
def test_config_loads_and_model_builds(path):
    cfg = Config.fromfile(path)
    scope = cfg.get('default_scope', 'mmpose')
    if scope == 'mmpose':  # detector configs (mmdet) need none of ours
        assert cfg.custom_imports['imports'] == ['mmpose_occlusion']
        assert cfg.custom_imports['allow_failed_imports'] is False
    init_default_scope(scope)
    if scope == 'mmdet':
        from mmdet.registry import MODELS
    else:
        from mmpose.registry import MODELS
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0


@pytest.mark.parametrize(
    'path', CHAINS, ids=[osp.relpath(p, REPO_ROOT) for p in CHAINS])
def test_chain_configs_name_existing_configs(path):
    """A crowd-chain config's model configs all load."""
    from mmpose_occlusion.utils import load_config
    cfg = Config.fromfile(path)
    assert cfg.pose.config and cfg.proposal.type
    for entry in ('detector', 'pose', 'cues'):
        if cfg.get(entry):
            load_config(
                osp.join(REPO_ROOT, cfg[entry].config) if '::' not in
                cfg[entry].config else cfg[entry].config)
    source = cfg.proposal.get('pose_source')
    if isinstance(source, dict):
        load_config(source.config)


@pytest.mark.parametrize('method',
                         ['mipnet', 'hintpose', 'detposenet', 'seqdecoder'])
def test_metafile_lists_the_method_configs(method):
    """mim's model index: each method's metafile names exactly its model
    configs (the crowd-chain configs are not models), and model-index.yml
    imports it."""
    import yaml
    folder = osp.join(REPO_ROOT, 'configs', method)
    with open(osp.join(folder, 'metafile.yml')) as f:
        listed = {m['Config'] for m in yaml.safe_load(f)['Models']}
    on_disk = {
        osp.relpath(p, REPO_ROOT)
        for p in glob.glob(osp.join(folder, '*.py'))
        if not osp.basename(p).startswith('crowd-chain_')
    }
    assert listed == on_disk
    with open(osp.join(REPO_ROOT, 'model-index.yml')) as f:
        assert f'configs/{method}/metafile.yml' in yaml.safe_load(f)['Import']


@pytest.mark.parametrize('name', [
    'td-hm_hrnet-w16-small-hintpose_1xb32-6e_synthcrowd-128x96',
    'td-hm_hrnet-w16-small-hintpose-cue_1xb32-6e_synthcrowd-128x96',
    'td-hm_hrnet-w32-hintpose_8xb64-210e_coco-256x192',
    'td-hm_hrnet-w32-hintpose-cue_8xb64-210e_coco-256x192',
    'td-hm_hrnet-w48-hintpose_8xb32-210e_coco-256x192',
    'td-hm_hrnet-w32-hintpose_8xb64-210e_crowdpose-256x192',
    'td-hm_hrnet-w32-hintpose-rr_8xb64-210e_coco-256x192',
])
def test_hintpose_cue_configs_train_cue_dependent_targets(name):
    """With a cue, training moves cue and target to another person of the
    crop (the others stacked before the flip); without one (-rr), never."""
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'hintpose', name + '.py'))
    types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    if not cfg.model.backbone.get('use_cue', True):
        assert 'ChooseCueTarget' not in types
        return
    choose = types.index('ChooseCueTarget')
    assert cfg.train_dataloader.dataset.pipeline[choose].other_prob > 0
    assert types.index('SelectOtherInstances') < types.index('RandomFlip') \
        < types.index('TopdownAffine') < choose < types.index(
            'GenerateTarget') < types.index('GenerateInstanceCue')


NUM_KEYPOINTS = dict(CocoDataset=17, OCHumanDataset=17, CrowdPoseDataset=14)


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, REPO_ROOT) for p in CONFIGS])
def test_dataset_variants_match_their_data(path):
    """A config derived for another dataset (CrowdPose from a COCO parent,
    OCHuman for testing) changes everything that depends on it: heatmap
    channels (and HintPose's fed-back heatmaps) to its keypoint count, and
    CrowdPose's crowd AP in place of COCO's."""
    cfg = Config.fromfile(path)
    if 'train_dataloader' not in cfg or cfg.get('default_scope') == 'mmdet':
        return
    train_type = cfg.train_dataloader.dataset.type
    if train_type not in NUM_KEYPOINTS:
        return  # the sequential decoder's own COCO-crowd dataset
    k = NUM_KEYPOINTS[train_type]
    head = cfg.model.head
    assert head.get('out_channels', head.get('num_keypoints')) == k
    if 'num_keypoints' in cfg.model.backbone:
        assert cfg.model.backbone.num_keypoints == k
    for split in ('val', 'test'):
        dataset = cfg[f'{split}_dataloader'].dataset
        assert NUM_KEYPOINTS[dataset.type] == k
        evaluator = cfg[f'{split}_evaluator']
        crowd = dataset.type == 'CrowdPoseDataset'
        assert (evaluator.get('iou_type') == 'keypoints_crowd') == crowd
        assert osp.basename(evaluator.ann_file) == osp.basename(
            dataset.ann_file)
    if train_type == 'CrowdPoseDataset':
        assert cfg.default_hooks.checkpoint.save_best == 'crowdpose/AP'
