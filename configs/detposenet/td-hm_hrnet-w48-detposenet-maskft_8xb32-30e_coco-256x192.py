# Keypoint masking as fine-tuning (§III-C4: "this network pipeline is
# fine-tuned using the keypoint masking training scheme"): the refinement
# sub-net trained without masking (...-nomask_8xb32-210e_...) continues with
# background and duplication masking. The paper gives no schedule; ours:
# 30 epochs, Adam at lr 5e-5 (the stock schedule's last-but-one step), a
# tenth of that after epoch 20.
_base_ = ['./td-hm_hrnet-w48-detposenet_8xb32-210e_coco-256x192.py']

load_from = ('work_dirs/td-hm_hrnet-w48-detposenet-nomask_8xb32-210e_coco-'
             '256x192/epoch_210.pth')
model = dict(backbone=dict(init_cfg=None))
train_cfg = dict(max_epochs=30, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-5))
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=30,
        milestones=[20],
        gamma=0.1,
        by_epoch=True)
]
