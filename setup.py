"""Packaging for scorm-cloud-xblock: the XBlock and its local SCORM Cloud emulator."""
from setuptools import find_packages, setup

setup(
    name="scorm-cloud-xblock",
    version="0.1.0",
    description="Open edX XBlock that delivers Rustici SCORM Cloud courses, with a local SCORM Cloud emulator",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="AGPL-3.0",
    packages=find_packages(include=["scorm_cloud_xblock", "scorm_cloud_xblock.*",
                                    "scorm_cloud_emulator", "scorm_cloud_emulator.*"]),
    include_package_data=True,
    package_data={
        "scorm_cloud_xblock": ["static/*/*", "templates/*", "demo/*"],
        "scorm_cloud_emulator": ["player/*", "player/*/*"],
    },
    python_requires=">=3.11",
    install_requires=[
        "requests>=2.31",
        "XBlock>=6.1,<7",
        "web-fragments>=4.0",
        # Emulator only: a small WSGI toolkit and a hardened XML parser.
        "Werkzeug>=3.0",
        "defusedxml>=0.7",
    ],
    extras_require={
        "test": [
            "pytest>=8",
            "rustici-software-cloud-v2==5.0.0",
            "xblock-sdk==0.14.0",
            "openedx-django-pyfs>=3.0",
            "lazy>=1.4",
            "edx-opaque-keys>=2.5",
            "playwright>=1.45",
        ],
    },
    entry_points={
        "console_scripts": ["scorm-cloud-emulator=scorm_cloud_emulator.cli:main"],
        "xblock.v1": ["scormcloud=scorm_cloud_xblock.block:ScormCloudXBlock"],
    },
    classifiers=[
        "Framework :: Django",
        "Programming Language :: Python :: 3.11",
        "Topic :: Education",
    ],
)
