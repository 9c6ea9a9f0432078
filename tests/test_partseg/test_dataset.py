"""ShapeNetPart on generated files in the real layout, its transforms and
its bad-input errors."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest

from recon3d.datasets import ShapeNetPart
from recon3d.datasets.synthetic import SHAPENET_PART_SYNSETS
from recon3d.structures.part_layout import (SHAPENET_PART_CATEGORIES,
                                            SHAPENET_PART_IDS)

PIPELINE = [
    dict(type='LoadPartSegPoints'),
    dict(type='NormalizePoints'),
    dict(type='ResamplePoints', num_points=128, seed=0),
    dict(type='PackPartSegInputs'),
]


def test_counts_order_and_train_is_train_plus_val(part_root):
    sets = {s: ShapeNetPart(part_root, split=s)
            for s in ('train', 'val', 'test', 'trainval')}
    assert [len(sets[s]) for s in ('train', 'val', 'test', 'trainval')] \
        == [18, 9, 9, 27]
    ids = {s: {d.get_data_info(i)['shape_id'] for i in range(len(d))}
           for s, d in sets.items()}
    assert ids['trainval'] == ids['train'] | ids['val']
    assert not ids['train'] & ids['val'] and not ids['test'] & ids['train']
    # official order: category (file order), then shape id
    keys = [(info['gt_label'], info['shape_id'])
            for info in (sets['trainval'].get_data_info(i)
                         for i in range(27))]
    assert keys == sorted(keys)
    assert sets['test'].metainfo['classes'] == SHAPENET_PART_CATEGORIES
    assert sets['test'].metainfo['category_parts'] == SHAPENET_PART_IDS


def test_items_part_ranges_and_normalisation(part_root):
    dataset = ShapeNetPart(part_root, split='trainval', pipeline=PIPELINE)
    seen = {}
    for i in range(len(dataset)):
        item = dataset[i]
        sample = item['data_samples']
        points, parts = item['inputs']['points'], sample.gt_part
        label = int(sample.gt_label)
        assert points.shape == (128, 3) and parts.shape == (128, )
        ids = SHAPENET_PART_IDS[label]
        assert set(parts.tolist()) <= set(ids)
        assert sample.part_ids == ids
        assert float(points.norm(dim=1).max()) <= 1.0 + 1e-5
        seen.setdefault(SHAPENET_PART_CATEGORIES[label], set()).update(
            parts.tolist())
    # 9 categories with 2-4 parts each, laid out in the real id ranges
    assert len(seen) == 9
    assert all(2 <= len(parts) <= 4 for parts in seen.values())
    assert seen['Chair'] <= {12, 13, 14, 15} and seen['Mug'] == {36, 37}
    # the seeded evaluation draw is the same every time
    a, b = dataset[0], dataset[0]
    assert (a['inputs']['points'] == b['inputs']['points']).all()


def test_file_format(part_root):
    lines = open(osp.join(part_root, 'synsetoffset2category.txt')).read()
    assert lines.splitlines()[0] == 'Airplane\t02691156'
    assert len(lines.splitlines()) == 16
    entry = json.load(open(osp.join(
        part_root, 'train_test_split', 'shuffled_test_file_list.json')))[0]
    _, synset, shape_id = entry.split('/')
    rows = np.loadtxt(osp.join(part_root, synset, f'{shape_id}.txt'))
    assert rows.shape[1] == 7 and 240 <= len(rows) <= 360
    assert np.allclose(np.linalg.norm(rows[:, 3:6], axis=1), 1, atol=1e-4)


@pytest.fixture
def bad_root(part_root, tmp_path):
    root = str(tmp_path / 'bad')
    shutil.copytree(part_root, root)
    return root


def _first_file(root, split='test'):
    path = osp.join(root, 'train_test_split',
                    f'shuffled_{split}_file_list.json')
    entries = json.load(open(path))
    _, synset, shape_id = entries[0].split('/')
    return path, entries, osp.join(root, synset, f'{shape_id}.txt')


def _load(root, path):
    dataset = ShapeNetPart(root, split='test', pipeline=PIPELINE[:1])
    index = [dataset.get_data_info(i)['pc_path']
             for i in range(len(dataset))].index(path)
    return dataset[index]


def test_short_row_names_file_and_line(bad_root):
    _, _, path = _first_file(bad_root)
    lines = open(path).read().splitlines()
    lines[4] = ' '.join(lines[4].split()[:6])
    open(path, 'w').write('\n'.join(lines) + '\n')
    with pytest.raises(ValueError, match=rf'{path}.*line 5.*6 columns'):
        _load(bad_root, path)


def test_part_outside_category_names_line(bad_root):
    _, _, path = _first_file(bad_root)
    lines = open(path).read().splitlines()
    fields = lines[2].split()
    fields[-1] = '49.000000' if float(fields[-1]) < 47 else '0.000000'
    lines[2] = ' '.join(fields)
    open(path, 'w').write('\n'.join(lines) + '\n')
    with pytest.raises(ValueError,
                       match=rf'{path}, line 3: part .* not a part id'):
        _load(bad_root, path)


def test_missing_file_and_unknown_synset(bad_root):
    list_path, entries, path = _first_file(bad_root)
    os.remove(path)
    with pytest.raises(ValueError,
                       match=rf'{list_path}, entry 0: .*missing file'):
        ShapeNetPart(bad_root, split='test')
    entries[0] = 'shape_data/09999999/abc'
    json.dump(entries, open(list_path, 'w'))
    with pytest.raises(ValueError, match=rf'{list_path}, entry 0: synset '
                       '09999999'):
        ShapeNetPart(bad_root, split='test')


def test_bad_category_file(bad_root):
    path = osp.join(bad_root, 'synsetoffset2category.txt')
    lines = open(path).read().splitlines()
    lines[3] = 'Boat\t' + SHAPENET_PART_SYNSETS['Car']
    open(path, 'w').write('\n'.join(lines) + '\n')
    with pytest.raises(ValueError, match=rf'{path}, line 4: unknown '
                       "category 'Boat'"):
        ShapeNetPart(bad_root, split='test')
