"""Build script, only for what pyproject.toml cannot say: the repository's `data/` ships inside the package.

`data/` stays at the repository root (the README, the tests and the design card name `data/samples/...`),
and is mapped to `soustrace/data/` in the wheel, where `soustrace.paths` finds it with importlib.resources.
Packages are still found automatically (folders without `__init__.py` such as `migrations/` included), so a
new subpackage never goes missing from the wheel.
"""

from setuptools import find_namespace_packages, setup

CODE = find_namespace_packages(include=["soustrace", "soustrace.*"], exclude=["*.__pycache__"])
DATA = ["soustrace.data", *(f"soustrace.data.{p}" for p in find_namespace_packages(where="data"))]

setup(packages=[*CODE, *DATA], package_dir={"soustrace.data": "data"})
