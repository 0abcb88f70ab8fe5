"""Install mlp with ``pip install .`` (PyTensor engine). For Theano 1.0.5, install
``requirements-theano.txt`` in an environment of its own, then ``pip install --no-deps .``."""

import re
from pathlib import Path

from setuptools import find_packages, setup

here = Path(__file__).parent
version = re.search(r'__version__ = "([^"]+)"', (here / "mlp" / "version.py").read_text()).group(1)

setup(
    name="mlp",
    version=version,
    description="A small, fast, dependable MLP classifier and regressor on a Theano-lineage graph engine",
    long_description=(here / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["mlp", "mlp.*"]),
    python_requires=">=3.11",
    install_requires=["pytensor>=3.0,<3.1", "jax>=0.10,<0.11", "jaxlib>=0.10,<0.11", "flatbuffers>=24",
                      "numpy>=1.26", "scipy>=1.11", "tqdm>=4.60"],
    extras_require={"plot": ["matplotlib"], "sklearn": ["scikit-learn>=1.3"],
                    "onnx": ["onnx>=1.16", "onnxruntime>=1.19"]},
    license="MIT",
)
