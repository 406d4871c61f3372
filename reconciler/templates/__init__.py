"""Files `cjrec init` writes into a new configuration repository (package data, read with importlib.resources).

``github-workflow.yml`` and ``gitlab-ci.yml`` are also the reference CI pipelines of this
project: the tests check them against GitHub's and GitLab's published schemas, lint the
GitHub one with actionlint, and run their shell steps against the sandbox.
"""
