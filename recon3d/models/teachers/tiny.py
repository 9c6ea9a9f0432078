"""A tiny open_clip architecture for tests and the demo.

``register_tiny_clip()`` adds the model config ``'recon3d-tiny-clip'`` to
open_clip, so that ``open_clip.create_model('recon3d-tiny-clip')`` and
``open_clip.get_tokenizer('recon3d-tiny-clip')`` work like for any built-in
name. The model has random weights (``pretrained=None``): it is only good for
tests and demos, never for real distillation targets.
"""
import json
import tempfile
from pathlib import Path

__all__ = ['TINY_CLIP_NAME', 'TINY_CLIP_CONFIG', 'register_tiny_clip']

TINY_CLIP_NAME = 'recon3d-tiny-clip'

# 32-d embeddings; ViT 64 wide, 2 layers, 32x32 images in 8x8 patches;
# text transformer 64 wide, 2 layers, 2 heads, 16 tokens, CLIP's BPE vocab.
TINY_CLIP_CONFIG = dict(
    embed_dim=32,
    vision_cfg=dict(image_size=32, layers=2, width=64, patch_size=8),
    text_cfg=dict(
        context_length=16, vocab_size=49408, width=64, heads=2, layers=2))


def register_tiny_clip() -> str:
    """Register ``'recon3d-tiny-clip'`` with open_clip (idempotent).

    open_clip 3.3.0 reads architecture configs only from JSON files
    (``open_clip.add_model_config`` takes a file or a folder), so the config
    is written to a temporary folder, registered, and the folder removed:
    open_clip keeps the parsed config in memory.

    Returns:
        str: The model name, ``'recon3d-tiny-clip'``.
    """
    import open_clip
    if TINY_CLIP_NAME not in open_clip.list_models():
        with tempfile.TemporaryDirectory() as tmp_dir:
            path = Path(tmp_dir) / f'{TINY_CLIP_NAME}.json'
            path.write_text(json.dumps(TINY_CLIP_CONFIG))
            open_clip.add_model_config(path)
    return TINY_CLIP_NAME
