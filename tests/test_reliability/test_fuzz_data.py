"""Bad data through the training tool: each damaged input stops the run
before the first iteration with one error naming the file (and the item),
and no checkpoint is written. (The dataset classes' own checks are tested
in tests/test_datasets/test_bad_data.py; here the whole route.)"""
import os.path as osp
import pickle
import shutil

import numpy as np
import pytest

from recon3d.apis import train

from fuzz_cases import CONFIG, argv, options  # isort: skip

DAT = 'modelnet40_train_256pts_fps.dat'
LIST = 'modelnet40_train.txt'


def _damage_cloud(root: str, damage: str, marker: str) -> str:
    path = osp.join(root, DAT)
    with open(path, 'rb') as f:
        points, labels = pickle.load(f)
    cloud = points[3].copy()
    if damage == 'nan':
        cloud[5, 1] = np.nan
    elif damage == 'inf':
        cloud[2, 0] = np.inf
    elif damage == 'one_point':
        cloud[:] = cloud[0]
    elif damage == 'overflow':
        cloud[:, :3] *= np.float32(1e20)
    points[3] = cloud
    content = [points, labels]
    if damage == 'hostile':

        class Payload:

            def __reduce__(self):
                return open, (marker, 'w')

        content = [list(points[:-1]) + [Payload()], labels]
    with open(path, 'wb') as f:
        pickle.dump(content, f)
    if damage == 'truncated':
        with open(path, 'rb') as f:
            data = f.read()
        with open(path, 'wb') as f:
            f.write(data[:len(data) // 2])
    return path


def _damage_list(root: str, damage: str) -> str:
    path = osp.join(root, LIST)
    with open(path) as f:
        ids = f.read().split()
    text = '\n'.join(ids + ids[:1]) if damage == 'listed_twice' else '\n'
    with open(path, 'w') as f:
        f.write(text)
    return path


#: damage -> (file it is in, words of the message)
CASES = {
    'nan': (DAT, 'cloud 3 has NaN or Inf values'),
    'inf': (DAT, 'cloud 3 has NaN or Inf values'),
    'one_point': (DAT, 'cloud 3 is one point repeated'),
    'overflow': (DAT, 'cloud 3 has coordinates beyond'),
    'hostile': (DAT, 'refers to'),
    'truncated': (DAT, ''),
    'listed_twice': (LIST, 'is listed twice'),
    'empty_list': (LIST, ''),
}


@pytest.mark.parametrize('damage', sorted(CASES))
def test_damaged_file_stops_training(damage, modelnet, tmp_path, marker):
    root = shutil.copytree(modelnet, str(tmp_path / 'ModelNet40'))
    if CASES[damage][0] == DAT:
        path = _damage_cloud(root, damage, marker)
    else:
        path = _damage_list(root, damage)
    with pytest.raises(Exception) as info:
        train(argv(CONFIG, tmp_path / 'work', options(root)))
    message = str(info.value)
    assert path in message or osp.basename(path) in message, message
    assert CASES[damage][1] in message
    assert not osp.exists(marker)
    assert not osp.exists(tmp_path / 'work' / 'epoch_1.pth')


@pytest.mark.parametrize('change,words', [
    ({
        'train_dataloader.batch_size': 64
    }, 'batch_size 64 with drop_last'),
    ({
        'model.data_preprocessor.num_points': 512,
        'model.data_preprocessor.train_fps_points': 600
    }, 'holds 256 points per cloud, but the model samples 512'),
])
def test_loader_that_cannot_feed_the_model(change, words, modelnet, tmp_path):
    with pytest.raises(ValueError) as info:
        train(argv(CONFIG, tmp_path, options(modelnet, **change)))
    assert words in str(info.value)
    assert DAT in str(info.value)
    assert not osp.exists(tmp_path / 'epoch_1.pth')
