from setuptools import find_packages, setup


def get_version():
    scope = {}
    with open('mmpose_occlusion/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


def readme():
    with open('README.md', encoding='utf-8') as f:
        return f.read()


DESCRIPTION = ('Crowd- and occlusion-robust pose estimation components for '
               'MMPose 1.x')

setup(
    name='mmpose_occlusion',
    version=get_version(),
    description=DESCRIPTION,
    long_description=readme(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmpose_occlusion', 'mmpose_occlusion.*']),
    python_requires='>=3.8',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'mmpose-occlusion-synth='
            'mmpose_occlusion.datasets.synthetic.__main__:main',
        ],
    },
)
