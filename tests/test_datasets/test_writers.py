import json
import re

import numpy as np
import pytest
from PIL import Image

from recon3d.datasets import write_shapenet55
from recon3d.datasets.synthetic import CLASSES, DESCRIPTIONS

NAME = re.compile(r'^0\d{7}-[0-9a-f]{32}\.npy$')


def test_layout(shapenet_root, sizes):
    assert sorted(p.name for p in shapenet_root.iterdir()) == [
        'ShapeNet-55', 'shapenet55.json', 'shapenet_img', 'shapenet_pc'
    ]
    lists = {
        split: (shapenet_root / 'ShapeNet-55' /
                f'{split}.txt').read_text().splitlines()
        for split in ('train', 'test')
    }
    assert sorted(p.name
                  for p in (shapenet_root / 'ShapeNet-55').iterdir()) == [
                      'test.txt', 'train.txt'
                  ]
    assert len(lists['train']) == sizes['train_per_class'] * len(CLASSES)
    assert len(lists['test']) == sizes['test_per_class'] * len(CLASSES)
    names = lists['train'] + lists['test']
    assert len(set(names)) == len(names)
    assert all(NAME.match(name) for name in names)
    assert sorted(p.name for p in (shapenet_root /
                                   'shapenet_pc').iterdir()) == sorted(names)
    assert sorted(
        p.name for p in (shapenet_root / 'shapenet_img').iterdir()) == sorted(
            name[:-4] + '.png' for name in names)

    points = np.load(shapenet_root / 'shapenet_pc' / names[0])
    assert points.shape == (sizes['num_points'],
                            3) and points.dtype == np.float32
    with Image.open(shapenet_root / 'shapenet_img' /
                    (names[0][:-4] + '.png')) as image:
        assert image.mode == 'RGB' and image.size == (
            sizes['image_size'], ) * 2
    # Nothing but the dataset is left beside it.
    assert [p.name
            for p in shapenet_root.parent.iterdir()] == [shapenet_root.name]


def test_json(shapenet_root):
    table = json.loads((shapenet_root / 'shapenet55.json').read_text())
    # pandas' column-oriented frame, like the real file.
    assert sorted(table) == ['catalogue', 'describe']
    rows = [str(i) for i in range(len(CLASSES))]
    assert sorted(table['catalogue'], key=int) == rows
    synsets = [table['catalogue'][row] for row in rows]
    assert all(re.match(r'^0\d{7}$', synset) for synset in synsets)
    assert len(set(synsets)) == len(synsets)
    assert [table['describe'][row]
            for row in rows] == [DESCRIPTIONS[name] for name in CLASSES]
    # Every list line starts with one of the synsets.
    train = (shapenet_root / 'ShapeNet-55' / 'train.txt').read_text()
    assert {line.split('-')[0] for line in train.split()} == set(synsets)


def test_json_with_pandas(shapenet_root):
    pd = pytest.importorskip('pandas')
    frame = pd.read_json(shapenet_root / 'shapenet55.json')
    assert len(frame) == len(CLASSES)
    for index, row in frame.iterrows():
        # The official loader's reading: an int, with the '0' put back.
        assert isinstance(row['catalogue'], (int, np.integer))
        assert f'0{row["catalogue"]}' == f'{9000000 + index:08d}'
        assert row['describe'] == DESCRIPTIONS[CLASSES[index]]


def test_deterministic(tmp_path):
    kwargs = dict(
        train_per_class=1, test_per_class=1, num_points=256, image_size=32)
    write_shapenet55(tmp_path / 'a', seed=3, **kwargs)
    write_shapenet55(tmp_path / 'b', seed=3, **kwargs)
    for path in (tmp_path / 'a').rglob('*'):
        if path.is_file():
            twin = tmp_path / 'b' / path.relative_to(tmp_path / 'a')
            assert path.read_bytes() == twin.read_bytes(), path


def test_refuses_non_empty(tmp_path):
    out = tmp_path / 'data'
    out.mkdir()
    (out / 'keep.txt').write_text('mine')
    with pytest.raises(FileExistsError, match='data'):
        write_shapenet55(out, 1, 1, num_points=64, image_size=16)
    assert (out / 'keep.txt').read_text() == 'mine'
    write_shapenet55(out, 1, 1, num_points=64, image_size=16, overwrite=True)
    assert not (out / 'keep.txt').exists()
    assert (out / 'shapenet55.json').is_file()


def test_interrupted_run_leaves_nothing(tmp_path):

    def interrupt(done, total):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_shapenet55(
            tmp_path / 'out',
            1,
            1,
            num_points=64,
            image_size=16,
            progress=interrupt)
    assert list(tmp_path.iterdir()) == []


def test_progress(tmp_path):
    calls = []
    write_shapenet55(
        tmp_path / 'out',
        1,
        1,
        num_points=64,
        image_size=16,
        progress=lambda done, total: calls.append((done, total)))
    total = 2 * len(CLASSES)
    assert calls == [(i, total) for i in range(1, total + 1)]
