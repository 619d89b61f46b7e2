"""Command line: ``python -m mmpose_occlusion.datasets.synthetic``.

Also installed as ``mmpose-occlusion-synth``. Example::

    python -m mmpose_occlusion.datasets.synthetic data/synthetic_crowd \
        --num-train 1500 --num-val 200 --max-people 5 --overlap 0.5
"""
import argparse
import sys

from .scene import SceneConfig
from .writer import annotation_path, generate_split, split_is_complete


def parse_args(argv=None):
    d = SceneConfig()
    p = argparse.ArgumentParser(
        prog='python -m mmpose_occlusion.datasets.synthetic',
        description='Generate synthetic crowded scenes with COCO keypoint '
        'annotations (17 keypoints, occlusion-aware visibility).')
    p.add_argument('out_dir', help='dataset root to write into')
    p.add_argument('--num-train', type=int, default=1500)
    p.add_argument('--num-val', type=int, default=200)
    p.add_argument('--num-test', type=int, default=0)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--width', type=int, default=d.width)
    p.add_argument('--height', type=int, default=d.height)
    p.add_argument('--min-people', type=int, default=d.min_people)
    p.add_argument('--max-people', type=int, default=d.max_people)
    p.add_argument('--min-person-height', type=float, default=d.min_height)
    p.add_argument('--max-person-height', type=float, default=d.max_height)
    p.add_argument(
        '--overlap',
        type=float,
        default=d.overlap,
        help='probability that a person is placed right next to '
        'another one (heavily overlapping boxes)')
    p.add_argument(
        '--force',
        action='store_true',
        help='regenerate splits that already exist')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        cfg = SceneConfig(
            width=args.width,
            height=args.height,
            min_people=args.min_people,
            max_people=args.max_people,
            min_height=args.min_person_height,
            max_height=args.max_person_height,
            overlap=args.overlap)
    except ValueError as e:
        sys.exit(f'error: {e}')
    for split, num in (('train', args.num_train), ('val', args.num_val),
                       ('test', args.num_test)):
        if num <= 0:
            continue
        if split_is_complete(args.out_dir, split) and not args.force:
            print(f'{split}: exists ({annotation_path(args.out_dir, split)}),'
                  ' skipped (use --force to regenerate)')
            continue
        print(f'{split}: generating {num} images')
        generate_split(args.out_dir, split, num, seed=args.seed, cfg=cfg)
        print(f'{split}: wrote {annotation_path(args.out_dir, split)}')


if __name__ == '__main__':
    main()
