"""Published schemas shipped in the wheel: ``cjrec-v1.json`` (the manifests), written by `cjrec init` for editors."""
