import pytest


@pytest.fixture(scope='session')
def part_root(tmp_path_factory):
    """A tiny generated ShapeNetPart: 9 categories, 2 train, 1 val and 1
    test shape each, about 300 points per file."""
    from recon3d.datasets.synthetic import write_shapenet_part
    root = tmp_path_factory.mktemp('partseg') / 'shapenetpart'
    write_shapenet_part(str(root), train_per_class=2, val_per_class=1,
                        test_per_class=1, num_points=300)
    return str(root)
