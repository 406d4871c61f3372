"""The pure planner: desired + recorded + observed in, a Plan out. No I/O, no clock of its own."""
