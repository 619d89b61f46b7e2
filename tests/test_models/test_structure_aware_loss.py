"""DetPoseNet's structure-aware loss (eq. 2) against hand-computed values."""
import pytest
import torch
from mmpose.registry import MODELS

from mmpose_occlusion.models import StructureAwareLoss


def _maps(errors, hw=(2, 2)):
    """Prediction/target pairs whose per-keypoint mean squared error is the
    given value (a constant offset of sqrt(e))."""
    b, m = len(errors), len(errors[0])
    target = torch.zeros(b, m, *hw)
    output = torch.tensor(errors).sqrt()[..., None, None].expand(b, m,
                                                                 *hw).clone()
    return output, target


def test_chain_of_three_by_hand():
    # skeleton 0 - 1 - 2, e = [1, 2, 3], α2 = 0.5:
    # n0: 1 + .5·2 = 2; n1: 2 + .5·(1 + 3) = 4; n2: 3 + .5·2 = 4 -> 10/3
    loss = StructureAwareLoss(
        skeleton=[(0, 1), (1, 2)], num_keypoints=3, alpha2=0.5)
    out, tgt = _maps([[1.0, 2.0, 3.0]])
    assert loss(out, tgt).item() == pytest.approx(10 / 3, rel=1e-6)
    # α2 = 0 is the plain per-keypoint MSE
    plain = StructureAwareLoss(
        skeleton=[(0, 1), (1, 2)], num_keypoints=3, alpha2=0.0)
    assert plain(out, tgt).item() == pytest.approx(2.0)
    # target weights remove a keypoint from its own and its neighbours'
    # terms: e = [1, 0, 3] -> n0: 1; n1: 0 + .5·4 = 2; n2: 3 -> 2
    w = torch.tensor([[1.0, 0.0, 1.0]])
    assert loss(out, tgt, w).item() == pytest.approx(2.0)
    # batch mean, loss weight
    out2, tgt2 = _maps([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    assert loss(out2, tgt2).item() == pytest.approx(5 / 3, rel=1e-6)
    heavy = StructureAwareLoss(
        skeleton=[(0, 1), (1, 2)], num_keypoints=3, loss_weight=2.0)
    assert heavy(out, tgt).item() == pytest.approx(20 / 3, rel=1e-6)


@pytest.mark.parametrize('dataset,k,elbow,wrist', [('coco', 17, 7, 9),
                                                   ('crowdpose', 14, 2, 4)])
def test_paper_graph_for_the_dataset(dataset, k, elbow, wrist):
    loss = MODELS.build(
        dict(
            type='StructureAwareLoss',
            metainfo=f'configs/_base_/datasets/{dataset}.py'))
    adj = loss.adjacency
    assert adj.shape == (k, k) and torch.equal(adj, adj.T)
    assert adj[elbow].sum() == 2  # the triplet: shoulder-elbow-wrist
    assert adj[wrist].sum() == 1  # a pair
    # one wrong heatmap costs its own term plus α2 in its neighbour's
    errors = [[0.0] * k]
    errors[0][wrist] = 1.0
    out, tgt = _maps(errors)
    assert loss(out, tgt).item() == pytest.approx((1 + 0.5) / k)


def test_coco_paper_graph_by_hand():
    """Fig. 7 on COCO: limb pairs and hip-hip; the face keypoints have no
    neighbours, shoulders one (the elbow), elbows and knees two (the
    triplets), hips two (knee and the other hip). Errors on the left arm
    (shoulder 5: 1, elbow 7: 2, wrist 9: 4) and the nose (0: 8), α2 = 0.5:
    nose 8; shoulder 1 + .5·2 = 2; elbow 2 + .5·(1 + 4) = 4.5; wrist
    4 + .5·2 = 5 -> 19.5 / 17."""
    loss = StructureAwareLoss(metainfo='configs/_base_/datasets/coco.py')
    deg = loss.adjacency.sum(1).tolist()
    assert deg[:5] == [0] * 5
    assert deg[5:] == [1, 1, 2, 2, 1, 1, 2, 2, 2, 2, 1, 1]
    errors = [[0.0] * 17]
    for n, e in ((5, 1.0), (7, 2.0), (9, 4.0), (0, 8.0)):
        errors[0][n] = e
    out, tgt = _maps(errors)
    assert loss(out, tgt).item() == pytest.approx(19.5 / 17, rel=1e-6)
    # the full COCO skeleton instead: nose-eye links add the face terms
    full = StructureAwareLoss(
        metainfo='configs/_base_/datasets/coco.py', graph='skeleton')
    assert full.adjacency[0].sum() > 0
    assert full(out, tgt).item() > loss(out, tgt).item()
    with pytest.raises(ValueError, match='no paper graph'):
        StructureAwareLoss(metainfo=dict(num_keypoints=21, skeleton_links=[]))
    with pytest.raises(ValueError, match='graph must be'):
        StructureAwareLoss(graph='limbs')


def test_shape_errors():
    loss = StructureAwareLoss(skeleton=[(0, 1)], num_keypoints=2)
    with pytest.raises(ValueError, match='3 heatmaps'):
        loss(torch.zeros(1, 3, 2, 2), torch.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match='outside'):
        StructureAwareLoss(skeleton=[(0, 5)], num_keypoints=2)
