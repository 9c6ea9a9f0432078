import pytest


@pytest.fixture(scope='session')
def shapenet_root(tmp_path_factory):
    """A tiny generated dataset in the ShapeNet-55 layout (2 train and 1
    test shape per class)."""
    from recon3d.datasets.synthetic import write_shapenet55
    root = tmp_path_factory.mktemp('data') / 'ShapeNet55-34'
    write_shapenet55(str(root), train_per_class=2, test_per_class=1, seed=0,
                     num_points=512, image_size=64)
    return str(root)
