"""Install recon3d (distribution name ``recon3d-mm``: ``recon3d`` on PyPI
belongs to another project; the import name stays ``recon3d``)."""
import os.path as osp

from setuptools import find_packages, setup


def read_requirements(name):
    path = osp.join(osp.dirname(__file__), 'requirements', name)
    with open(path) as f:
        return [
            line.split('#')[0].strip() for line in f
            if line.split('#')[0].strip()
        ]


def read_version():
    scope = {}
    with open(osp.join(osp.dirname(__file__), 'recon3d', '__init__.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='recon3d-mm',
    version=read_version(),
    description='ReCon point-cloud pretraining and transfer on mmengine',
    long_description=open('README.md').read()
    if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    license='MIT',
    python_requires='>=3.9',
    packages=find_packages(include=['recon3d', 'recon3d.*']),
    include_package_data=True,
    install_requires=read_requirements('runtime.txt'),
    extras_require=dict(
        tests=read_requirements('tests.txt'),
        io=read_requirements('io.txt')),
    entry_points=dict(console_scripts=['recon3d = recon3d.cli:main']),
    zip_safe=False,
)
