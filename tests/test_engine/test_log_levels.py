"""Per-parameter lines at DEBUG: mmengine's init tables and paramwise
options; prefix_lr_mult and parts switched off."""
import logging

import pytest
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.model import BaseModule

from recon3d.registry import OPTIM_WRAPPER_CONSTRUCTORS


class Net(BaseModule):

    def __init__(self):
        super().__init__(init_cfg=dict(type='Normal', layer='Linear'))
        self.neck = nn.Linear(4, 4)
        self.img_head = None


@pytest.mark.parametrize('level', ['INFO', 'DEBUG'])
def test_init_table_and_paramwise_lines_only_at_debug(tmp_path, level):
    log_file = tmp_path / 'run.log'
    logger = MMLogger.get_instance(f'log-levels-{level}',
                                   log_file=str(log_file), log_level=level)
    net = Net()
    net.init_weights()
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='TeacherAwareOptimWrapperConstructor',
        optim_wrapper_cfg=dict(
            optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05)),
        paramwise_cfg=dict(bias_decay_mult=0.)))
    constructor(net)
    for handler in logger.handlers:
        handler.flush()
    text = log_file.read_text()
    debug = level == 'DEBUG'
    assert ('neck.weight' in text) == debug
    assert ('paramwise_options' in text) == debug
    logger.setLevel(logging.INFO)


def test_prefix_of_a_part_switched_off_is_not_an_error():
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='TeacherAwareOptimWrapperConstructor',
        optim_wrapper_cfg=dict(
            optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05)),
        paramwise_cfg=dict(prefix_lr_mult={'neck.': 4., 'img_head.': 4.})))
    wrapper = constructor(Net())
    assert {g['lr'] for g in wrapper.optimizer.param_groups} == {4e-3}
    typo = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='TeacherAwareOptimWrapperConstructor',
        optim_wrapper_cfg=dict(
            optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05)),
        paramwise_cfg=dict(prefix_lr_mult={'nekc.': 4.})))
    with pytest.raises(ValueError, match='nekc'):
        typo(Net())
