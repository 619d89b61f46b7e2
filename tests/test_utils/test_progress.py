"""Progress: a redrawn bar on terminals, a few readable lines in logs."""
import io

from mmpose_occlusion.utils import Progress


def test_log_mode_prints_a_few_lines_not_one_per_item():
    out = io.StringIO()
    progress = Progress(1000, 'images', file=out, every=3600)
    for _ in range(1000):
        progress.update()
    summary = progress.close()
    lines = out.getvalue().splitlines()
    # 25 %, 50 %, 75 %, 100 % (no redraws, no carriage returns)
    assert [ln.split(',')[0] for ln in lines] == [
        'images 250/1000', 'images 500/1000', 'images 750/1000',
        'images 1000/1000'
    ]
    assert '\r' not in out.getvalue()
    assert all('images/s' in ln for ln in lines)
    assert summary.startswith('1000 images in ') and 'images/s' in summary


def test_log_mode_also_reports_every_interval():
    out = io.StringIO()
    progress = Progress(10, 'images', file=out, every=0.0)
    for _ in range(3):
        progress.update()
    assert len(out.getvalue().splitlines()) == 3


def test_terminal_mode_draws_mmengines_bar():
    out = io.StringIO()
    progress = Progress(4, 'images', file=out, tty=True)
    for _ in range(4):
        progress.update()
    progress.close()
    text = out.getvalue()
    assert '\r[' in text and '4/4' in text and 'task/s' in text
