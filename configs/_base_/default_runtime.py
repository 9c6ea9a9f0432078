default_scope = 'recon3d'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Writes to a temporary file and renames it; prunes old files after.
    checkpoint=dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # Draws of an epoch depend on (seed, epoch, sample): a resumed run
    # continues like an uninterrupted one, with persistent workers too.
    epoch_seed=dict(type='EpochSeedHook'),
    # Stops at the first NaN/Inf loss or gradient norm; never saves NaNs.
    non_finite=dict(type='NonFiniteCheckHook'),
    # Config typos, resume without a checkpoint, num_classes vs dataset,
    # strict loading of load_from/resume/test checkpoints, unsafe_pickle.
    run_checks=dict(type='RunChecksHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)

log_processor = dict(by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
# True allows a full unpickling (runs code from the file) of checkpoints
# that the safe loader refuses; only for files you trust.
unsafe_pickle = False
randomness = dict(seed=0, deterministic=False)
