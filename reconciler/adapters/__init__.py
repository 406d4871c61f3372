"""Edges of the system: the only modules that touch files, subprocesses and the network."""
