"""Pure tests of the planner: in-memory inputs, no files, no network, no clock."""
